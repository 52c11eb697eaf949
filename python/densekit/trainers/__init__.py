"""Training, evaluation and prediction of models (keras/src/trainers/): the Trainer that Model
inherits, compile()'s argument resolution, and the data adapter that turns what users pass into
the arrays the C++ loop reads."""
