"""Trainer: compile / fit / evaluate / predict and their on-batch forms, the part of Model that
trains (keras/src/trainers/trainer.py). The epoch loops run in C++; this class resolves compile()'s
arguments, turns the data into arrays, and connects the callbacks to the loop's hooks.

A mixin of Model: it uses the model's C++ model and graph (``_core``, ``_graph``), its outputs
(``output_names``, ``_output_keys``) and its input handling (trainers/data_adapter.py).
"""

import math
import numbers
import signal
import threading

import numpy as np

from densekit import _core, config, distribution, losses as losses_module, optimizers
from densekit.callbacks import CallbackList
from densekit.trainers import compile_utils, data_adapter, data_streams, loop_hooks
from densekit.trainers.compile_options import CompileOptions
from densekit.trainers.running_metrics import RunningMetrics
from densekit.utils import object_registration, traceback_utils
from densekit.utils.arrays import check_same_length


def _positive_int(name, value, most=2**63 - 1):
    """A positive integer no larger than the C++ field it fills (int64, or int for epoch counts)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"Argument `{name}` must be a positive integer. Received: {name}={value!r}")
    if value > most:
        raise ValueError(f"Argument `{name}` must be at most {most}. Received: {name}={value!r}")
    return int(value)


def _optional_positive_int(name, value):
    """None (the default) or a positive integer: batch sizes and step counts."""
    return None if value is None else _positive_int(name, value)


def _epochs(epochs, name="epochs"):
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"Argument `{name}` must be a non-negative integer. Received: {name}={epochs!r}")
    return int(epochs) if epochs == 0 else _positive_int(name, epochs, 2**31 - 1)


def _fit_options(shuffle, class_weight, validation_batch_size, validation_freq):
    options = _core.FitOptions()
    # Keras's reading: "batch" reorders the rows inside each batch, which changes no batch's mean
    # loss or its gradient, so it trains as False; any other value by its truth.
    options.shuffle = False if isinstance(shuffle, str) and shuffle == "batch" else bool(shuffle)
    if class_weight is not None:
        options.class_weight = data_adapter.class_weight_pairs(class_weight)
    if validation_batch_size is not None:
        options.validation_batch_size = _positive_int("validation_batch_size", validation_batch_size)
    if isinstance(validation_freq, (list, tuple, set)):
        options.validation_epochs = sorted(_positive_int("validation_freq", e, 2**31 - 1) for e in validation_freq)
    else:
        options.validation_freq = _positive_int("validation_freq", validation_freq, 2**31 - 1)
    return options


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"Argument `verbose` must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return verbose


class Trainer(RunningMetrics, CompileOptions):
    """compile / fit / evaluate / predict for Model; its running metrics (model.metrics) come
    from RunningMetrics, its loop options as attributes from CompileOptions."""

    def __init__(self):
        self._compile_args = None
        self._compile_kwargs = None
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._initial_epoch = None  # set by BackupAndRestore to resume an interrupted fit
        self._metric_directions = {}

    @property
    def stop_training(self):
        return self.__dict__.get("_stop_training", False)

    @stop_training.setter
    def stop_training(self, value):
        """Kept in the C++ model too, which reads it after every batch: set from a callback or
        from another thread, it stops fit after the batch in progress, as in Keras."""
        self.__dict__["_stop_training"] = value
        core = self.__dict__.get("_core")
        if core is not None:
            core.stop_training = bool(value)

    # --- compile ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        compile_utils.check_argument_types(loss_weights, metrics, weighted_metrics)
        compile_utils.refuse_own_steps(type(self))
        if self.compiled:
            # Keras's compile replaces the loss only when given one, and the metrics only when
            # given some (keras/src/trainers/trainer.py): a recompile for a new optimizer keeps them.
            previous = self._previous_compile()
            if loss is None:
                loss, loss_weights = previous["loss"], previous["loss_weights"]
            if metrics is None and weighted_metrics is None:
                metrics, weighted_metrics = previous["metrics"], previous["weighted_metrics"]
        loss, metrics, weighted_metrics = map(compile_utils.instantiated, (loss, metrics, weighted_metrics))
        before = dict(self.__dict__)  # a refused compile() (a loop running, an unknown name) changes nothing
        try:
            self.optimizer = optimizers.get(optimizer)
            if self.optimizer is None:
                raise ValueError("compile() needs an optimizer; received optimizer=None (Keras's default is 'rmsprop').")
            self.loss = loss
            # As given, for clone_model to compile its clone the same way (models/cloning.py).
            self._compile_kwargs = dict(loss=loss, loss_weights=loss_weights, metrics=metrics,
                                        weighted_metrics=weighted_metrics)
            self._compile_args = compile_utils.compile_args(loss, loss_weights, metrics, weighted_metrics)
            self._compiled_metrics = None
            if self._core is not None or self._network is not None or not self._subclassed:
                # Output names are known (or it is a Sequential's last layer): check everything now.
                self._use_compiled_metrics(_core.resolve_compile_args(*self._compile_args, self.output_names,
                                                                      self._output_keys or []))
            self._keep_compile_options(run_eagerly, jit_compile, steps_per_execution)
            self.compiled = True
            self.stop_training = False
            self._stepped_since_compile = self._losses_tracked = self._metrics_met_data = False
            if self._core is not None:
                self._apply_compile()
        except BaseException:
            # Put back, then drop what is new: another thread (a fit running) never finds an
            # attribute missing, as it would between a clear() and an update().
            self.__dict__.update(before)
            for name in [name for name in self.__dict__ if name not in before]:
                self.__dict__.pop(name, None)
            raise

    def _use_compiled_metrics(self, metrics_and_weighted):
        """Keeps the compiled metrics per output (for their names and directions)."""
        metrics, weighted = metrics_and_weighted
        self._compiled_metrics = metrics + weighted
        self._metric_directions = compile_utils.metric_directions(self._compiled_metrics)

    def _without_loss(self):
        """Compiled without a loss: the model's own losses (add_loss, activity regularizers) are
        the whole loss if it has some, as in Keras."""
        return self._compile_args[0][0] == "absent"

    def _take_trainable_state(self):
        """Keras builds its train function at the first step after compile(), with the layers'
        trainable state of that moment: a change made before it applies, one made after it only
        once compile() is called again (with a warning)."""
        first_step = not self.__dict__.get("_stepped_since_compile", False)
        if self._core is not None and self._core.trainable_changed_since_compile:
            if first_step:
                self._apply_compile()
            else:
                traceback_utils.warn("A layer's `trainable` state has changed since the model was compiled: the "
                                     "change takes effect only after calling `compile()` again.")
        if first_step and not self.trainable_weights:  # as Keras's first train step after compile()
            traceback_utils.warn("The model does not have any trainable weights.")
        self._stepped_since_compile = True

    def _apply_compile(self):
        if self._without_loss() and not (self._graph is not None and self._graph.has_added_losses):
            # no loss at all: fit and evaluate will say so
            if self._compiled_metrics is None:
                self._use_compiled_metrics(_core.resolve_compile_args(*self._compile_args, self.output_names,
                                                                      self._output_keys or []))
            return
        kw = self._compile_kwargs
        if kw is not None:
            compile_utils.check_axes(kw, [tuple(self._graph.node_shape(i)) for i in self._graph.output_nodes],
                                     self.output_names, self._output_keys or [])
        if kw is not None and compile_utils.has_traced(kw["loss"], kw["metrics"], kw["weighted_metrics"]):
            # Losses and metrics of Python code are traced for the outputs' shapes, known now, and
            # for targets shaped as the data last seen (else as the outputs).
            shapes = [tuple(self._graph.node_shape(i)) for i in self._graph.output_nodes]
            targets = getattr(self, "_traced_target_shapes", None)
            args = (kw["loss"], kw["loss_weights"], kw["metrics"], kw["weighted_metrics"])
            if targets is not None and len(targets) == len(shapes):
                self._compile_args = compile_utils.compile_args(*args, shapes, self.output_names,
                                                                self._output_keys or [], targets)
            else:
                # No data yet: targets shaped as the outputs, else as sparse labels (one value);
                # the first data traces them again if its targets are shaped otherwise.
                self._compile_args, self._traced_target_shapes = self._trace_guessing_targets(args, shapes)
        self._core.compile(self.optimizer._core, *self._compile_args)
        self.optimizer._compiled_into(self)
        compile_utils.warn_probabilities_given_as_logits(self._core)
        self._use_compiled_metrics(self._core.compiled_metrics)

    def _trace_guessing_targets(self, args, shapes):
        """(compile args, target shapes) traced before any data: for targets shaped as the
        outputs, else as sparse labels; the first error is the one reported when neither traces."""
        def traced(targets):
            return compile_utils.compile_args(*args, shapes, self.output_names, self._output_keys or [],
                                              targets), targets
        try:
            return traced(shapes)
        except (TypeError, ValueError, NotImplementedError) as error:
            sparse = [(1,)] * len(shapes)
            if sparse == shapes:
                raise
            try:
                return traced(sparse)
            except (TypeError, ValueError, NotImplementedError):
                raise error from None

    def _trace_for_targets(self, ys):
        """Traces the losses and metrics of Python code again when the targets are shaped other
        than they were traced for (sparse labels for one-hot outputs): Keras runs them on the
        targets as given. The first targets after compile() also name Keras's metric objects."""
        kw = self._compile_kwargs
        if kw is not None and not self.__dict__.get("_metrics_met_data", True):
            self._metrics_met_data = True
            compile_utils.take_metric_auto_names(kw["metrics"], kw["weighted_metrics"], self.output_names)
        if kw is None or self._core is None or not compile_utils.has_traced(kw["loss"], kw["metrics"],
                                                                            kw["weighted_metrics"]):
            return
        shapes = [tuple(np.shape(y)[1:]) for y in ys]
        if shapes != getattr(self, "_traced_target_shapes", None):
            self._traced_target_shapes = shapes
            self._apply_compile()

    def _previous_compile(self):
        """The last compile's loss, loss weights and metrics: as given to compile(), or as the
        file of a loaded model records them."""
        if self._compile_kwargs is not None:
            return self._compile_kwargs
        config = self.get_compile_config() if self.built else {}
        return {key: (config or {}).get(key) for key in ("loss", "loss_weights", "metrics", "weighted_metrics")}

    def _adopt_compile(self, compile_config, core_optimizer):
        """Mirrors the compile settings of a C++ model loaded already compiled (its optimizer
        keeps the loaded slots and iteration count)."""
        self.optimizer = optimizers._wrap(core_optimizer, compile_config["optimizer"])
        self.optimizer._compiled_into(self)
        loss = compile_config["loss"]
        if compile_utils.is_traced_config(loss):  # the user's loss, found as Keras finds it (else TypeError)
            self.loss = object_registration.retrieve_object(loss)
        else:
            self.loss = losses_module.loss_object(loss) if compile_utils.is_config(loss) else loss
        self._compile_args = compile_utils.compile_args(loss, compile_config.get("loss_weights"),
                                                        compile_config.get("metrics"),
                                                        compile_config.get("weighted_metrics"))
        self._use_compiled_metrics(self._core.compiled_metrics)
        self.compiled = True
        self._stepped_since_compile = False

    @property
    def _metric_names(self):
        """The compiled metrics' names (metrics, then weighted metrics), per output flattened."""
        return [core.name for cores in (self._compiled_metrics or []) for core in cores]

    def _require_compiled(self):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        if self._core is not None and not self._core.compiled and self._compile_args is not None:
            self._apply_compile()  # (a compile left to the build, which refused it: its error again)
        # (a model not built yet may add losses of its own: its build applies the compile, and says so)
        if self._without_loss() and self._graph is not None and not self._graph.has_added_losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")

    # --- logs and outputs ---------------------------------------------------------------------
    def _output_log_names(self):
        """Each output's name in the logs: its key for outputs given as a dict (Keras names the
        logs "<key>_loss" then), else its name."""
        return self._output_keys or self.output_names

    def _loss_outputs(self):
        """The outputs whose losses Keras tracks one by one, in its order: a loss dict's keys first."""
        names = self._output_log_names()
        if isinstance(self.loss, dict):
            names = [k for k in self.loss if k in names] + [n for n in names if n not in self.loss]
        return names

    def _format_logs(self, logs, return_dict):
        self._losses_tracked = True
        if return_dict:
            return loop_hooks.sorted_logs(logs)
        ordered = compile_utils.logs_in_order(logs, self._metric_names, self._loss_outputs())
        result = [loop_hooks.log_value(v) for v in ordered]
        return result[0] if len(result) == 1 else result

    def _structured_outputs(self, outputs):
        keys = self._output_keys
        if keys is not None:
            return dict(zip(keys, outputs))
        if len(outputs) == 1:
            return outputs[0]
        return self._network.pack_outputs(outputs) if self._network is not None else list(outputs)

    # --- training -----------------------------------------------------------------------------
    @staticmethod
    def _handle_sigint():
        """Whether the C++ loop takes over Ctrl-C (stopping between batches, then raising
        KeyboardInterrupt): in the main thread, where Python delivers KeyboardInterrupt, and only
        while SIGINT has Python's default handler (a handler of the user's own, or SIG_IGN, keeps
        the signal)."""
        return (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler)

    @traceback_utils.filter_traceback
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        self._require_compiled()
        verbose = _verbose(verbose) if distribution.process_id() == 0 else 0  # one progress bar: process 0's
        epochs = config.capped_epochs(_epochs(epochs))
        batch_size = _optional_positive_int("batch_size", batch_size)
        steps_per_epoch = config.capped_steps(_optional_positive_int("steps_per_epoch", steps_per_epoch))
        validation_steps = _optional_positive_int("validation_steps", validation_steps)
        validation_steps = config.capped_steps(validation_steps) if validation_data is not None or validation_split \
            else validation_steps
        if data_streams.is_stream(x):
            return self._fit_stream(x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                                    shuffle, class_weight, sample_weight, initial_epoch, steps_per_epoch,
                                    validation_steps, validation_batch_size, validation_freq)
        if data_streams.is_stream(validation_data):
            raise ValueError("densekit takes a generator or PyDataset as `validation_data` when `x` is one too; with "
                             "arrays as `x`, pass `validation_data` as arrays (x_val, y_val).")
        xs = data_adapter.input_arrays(self, x)
        ys = data_adapter.target_arrays(self, y)
        self._trace_for_targets(ys)
        n = len(xs[0])
        sw = data_adapter.sample_weights(sample_weight)
        self._take_trainable_state()
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
                raise ValueError("`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight).")
            validation = data_adapter.validation_arrays(self, validation_data)
        given_batch_size, batch_size = batch_size, data_adapter.batch_size_for(n, batch_size, steps_per_epoch)
        if validation_split and validation_data is None:
            (xs_t, ys_t, sw_t), (xs_v, ys_v, sw_v) = data_adapter.train_validation_split(xs, ys, sw, validation_split)
            xs, ys, sw, validation = xs_t, ys_t, sw_t, (xs_v, ys_v, sw_v)
        options = _fit_options(shuffle, class_weight, validation_batch_size, validation_freq)
        if validation is not None:
            parts = [a for a in [*validation[0], *validation[1], *validation[2:]] if a is not None]
            check_same_length(parts, "validation_data")
            if not len(parts[0]):
                validation = None  # empty: no validation pass, as in Keras (it has no batch)
        if validation is not None:
            # Keras batches the validation arrays by validation_batch_size, else fit's own batch_size
            # argument, else as evaluate would (validation_steps batches covering every row, or 32).
            options.validation_batch_size = data_adapter.batch_size_for(
                len(validation[0][0]), validation_batch_size or given_batch_size, validation_steps)
            validation = data_adapter.first_batches(validation, validation_steps, options.validation_batch_size)
        # (the C++ loop refuses empty data; with per-process shards the largest sets the epoch)
        steps = distribution.largest(math.ceil(len(xs[0]) / distribution._local_batch_size(batch_size)))
        if steps_per_epoch:
            # As Keras: epochs of steps_per_epoch batches, each going on where the last stopped.
            options.steps_per_epoch = steps_per_epoch
            if data_adapter.pass_runs_out(steps, steps_per_epoch, epochs - int(initial_epoch)):
                traceback_utils.warn(data_adapter.RAN_OUT)
            steps = steps_per_epoch

        def run(options, hooks):
            distribution._bind(self._core, "fit")
            self._core.fit(xs, ys, sw, validation, options, hooks)
        return self._run_fit(run, options, batch_size, epochs, initial_epoch, verbose, callbacks, steps)

    def _run_fit(self, run, options, batch_size, epochs, initial_epoch, verbose, callbacks, steps, passes=None):
        """fit's callbacks and hooks around run(options, hooks), the C++ loop."""
        self._losses_tracked = True
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=epochs,
            steps=steps)
        options.handle_sigint = self._handle_sigint()
        hooks, last_logs = loop_hooks.fit_hooks(self, cbl, options, passes)
        self.stop_training = False
        cbl.on_train_begin()
        # BackupAndRestore sets _initial_epoch in on_train_begin to resume where a fit stopped.
        initial_epoch = self._initial_epoch or initial_epoch
        self._initial_epoch = None
        options.batch_size, options.epochs = batch_size or 32, epochs
        options.initial_epoch = _epochs(initial_epoch, "initial_epoch")
        # Ctrl-C: the loop stops between batches and raises KeyboardInterrupt; model.history
        # keeps the finished epochs, and on_train_end is not called (as in Keras).
        run(options, hooks)
        cbl.on_train_end(last_logs[0])
        return self.history

    def _fit_stream(self, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle,
                    class_weight, sample_weight, initial_epoch, steps_per_epoch, validation_steps,
                    validation_batch_size, validation_freq):
        """fit on a generator or PyDataset: a feeder thread streams the batches into the C++ loop."""
        shuffle = data_streams.check_arguments(x, y, sample_weight, class_weight, shuffle)
        if validation_split:
            raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, found following types "
                             f"in the input: {[type(x)]}")
        train = data_streams.Source(x, steps_per_epoch, shuffle=shuffle, keeps_pass=True)
        first = train.first_batch()
        if first is None:
            raise ValueError(f"The {type(x).__name__} passed as `x` produced no batch to train on.")
        data_adapter.input_arrays(self, first[0])  # builds an unbuilt model on its first batch
        if len(first) > 1 and first[1] is not None:
            self._trace_for_targets(data_adapter.target_arrays(self, first[1]))
        self._take_trainable_state()
        validation = None
        if validation_data is not None:
            if not data_streams.is_stream(validation_data):
                if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
                    raise ValueError("`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                                     "val_sample_weight), a generator or a PyDataset.")
                arrays = data_adapter.validation_arrays(self, validation_data)
                validation_data = data_streams.ArrayBatches(arrays, batch_size=data_adapter.batch_size_for(
                    len(arrays[0][0]), validation_batch_size, validation_steps))
            validation = data_streams.Source(validation_data, validation_steps)
        options = _fit_options(True, class_weight, validation_batch_size, validation_freq)

        def run(options, hooks):
            epochs_run = range(options.initial_epoch, options.epochs)
            validating = [e for e in epochs_run if (e + 1 in options.validation_epochs if options.validation_epochs
                                                    else (e + 1) % options.validation_freq == 0)]
            feeders = [data_streams.Feeder(self, train, len(epochs_run), gated=True).start()]
            passes.train = feeders[0].open_pass
            if validation is not None and validating:
                feeders.append(data_streams.Feeder(self, validation, len(validating), gated=True).start())
                passes.validation = feeders[1].open_pass
            def loop():
                distribution._bind(self._core, "fit")
                _core.fit_stream(self._core, feeders[0].stream, feeders[1].stream if len(feeders) > 1 else None,
                                 options, hooks)

            data_streams.run_feeding(feeders, loop)
            if (train.exhausted and len(self.history.epoch) < len(epochs_run)) or train.ran_short:
                traceback_utils.warn(data_adapter.RAN_OUT)
            if validation is not None and validation.empty_passes:
                traceback_utils.warn(f"The generator passed as `validation_data` ran out: {validation.empty_passes} "
                                     "validation(s) found no batch left, so their epochs have no `val_` figures. "
                                     "Pass a PyDataset or arrays (read afresh at each validation), or a generator "
                                     "that does not end, with `validation_steps`.")
        passes = loop_hooks.Passes()  # opened by the hooks as each epoch and validation begins
        return self._run_fit(run, options, None, epochs, initial_epoch, verbose, callbacks, train.steps, passes)

    @traceback_utils.filter_traceback
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        self._require_compiled()
        verbose = _verbose(verbose) if distribution.process_id() == 0 else 0
        steps = config.capped_steps(_optional_positive_int("steps", steps))
        if data_streams.is_stream(x):
            data_streams.check_arguments(x, y, sample_weight, None, False)
            source = data_streams.Source(x, steps)
            first = source.first_batch()
            # Data-parallel: every process refuses together, or the others would wait in the sums.
            if distribution.any_process(first is None):
                where = " on at least one process (each evaluates batches of its own)" if first is not None else ""
                raise ValueError(f"The {type(x).__name__} passed as `x` produced no batch to evaluate{where}.")
            data_adapter.input_arrays(self, first[0])
            if len(first) > 1 and first[1] is not None:
                self._trace_for_targets(data_adapter.target_arrays(self, first[1]))
            cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
                callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=source.steps)
            self.stop_evaluating = False
            feeder = data_streams.Feeder(self, source, 1).start()

            def loop():
                distribution._bind(self._core, "evaluate")
                return _core.evaluate_stream(self._core, feeder.stream,
                                             loop_hooks.test_hooks(self, cbl, self._handle_sigint()))

            logs = data_streams.run_feeding([feeder], loop)
            return self._format_logs(logs, return_dict)
        xs = data_adapter.input_arrays(self, x)
        ys = data_adapter.target_arrays(self, y)
        self._trace_for_targets(ys)
        sw = data_adapter.sample_weights(sample_weight)
        batch_size, rows, bar_steps = data_adapter.array_batches(
            len(xs[0]), _optional_positive_int("batch_size", batch_size), steps)
        if rows < len(xs[0]):  # the first `steps` batches
            xs, ys = [a[:rows] for a in xs], [a[:rows] for a in ys]
            sw = None if sw is None else sw[:rows]
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=bar_steps)
        self.stop_evaluating = False
        distribution._bind(self._core, "evaluate")
        logs = self._core.evaluate(xs, ys, sw, batch_size, loop_hooks.test_hooks(self, cbl, self._handle_sigint()))
        return self._format_logs(logs, return_dict)

    @traceback_utils.filter_traceback
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._require_compiled()
        xs = data_adapter.input_arrays(self, x)
        ys = data_adapter.target_arrays(self, y)
        self._trace_for_targets(ys)
        sw = data_adapter.sample_weights(sample_weight)
        pairs = data_adapter.class_weight_pairs(class_weight) if class_weight is not None else []
        self._take_trainable_state()
        distribution._bind(self._core, "train_on_batch")  # (refused: one process's step, distributed)
        return self._format_logs(self._core.train_on_batch(xs, ys, sw, pairs), return_dict)

    @traceback_utils.filter_traceback
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled()
        xs = data_adapter.input_arrays(self, x)
        ys = data_adapter.target_arrays(self, y)
        self._trace_for_targets(ys)
        sw = data_adapter.sample_weights(sample_weight)
        return self._format_logs(self._core.test_on_batch(xs, ys, sw), return_dict)

    # --- prediction ---------------------------------------------------------------------------
    def _predict_ready(self, x, batch_size):
        """The prediction for x computed straight in C++, when the model has one input and one
        output and x is already what the core reads (C++ tests both: cpp/bindings/common.hpp,
        ready_view); else None. A dict of outputs, which C++ does not know of, goes the general
        way. batch_size None: all rows in one batch. The fast path of predict, predict_on_batch
        and calling the model on an array."""
        graph = self._graph
        cached = self.__dict__.get("_ready_cache")  # (graph, whether its outputs come back as one array)
        if cached is None or cached[0] is not graph:
            cached = self._ready_cache = (graph, graph is not None and self._output_keys is None)
        core = self._core
        return core.predict_ready(x, batch_size) if cached[1] and core is not None else None

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        try:  # (errors filtered here: a wrapper's call would cost a one-row predict a sixth of its time)
            # A ready array with nothing to report goes straight to C++; it is tested first, as a
            # single-row predict spends microseconds here (and an array is never a stream).
            if verbose == 0 and callbacks is None and steps is None and config.steps_cap is None:
                out = self._predict_ready(x, 32 if batch_size is None else _positive_int("batch_size", batch_size))
                if out is not None:
                    return out
            return self._predict_loop(x, batch_size, verbose, steps, callbacks)
        except Exception as error:
            raise traceback_utils.filtered(error)

    def _predict_loop(self, x, batch_size, verbose, steps, callbacks):
        if data_streams.is_stream(x):
            return self._predict_stream(x, batch_size, verbose, steps, callbacks)
        batch_size = _optional_positive_int("batch_size", batch_size)
        steps = config.capped_steps(_optional_positive_int("steps", steps))
        verbose = _verbose(verbose)
        xs = data_adapter.input_arrays(self, x)
        batch_size, rows, bar_steps = data_adapter.array_batches(len(xs[0]), batch_size, steps)
        if rows < len(xs[0]):  # the first `steps` batches
            xs = [a[:rows] for a in xs]
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=bar_steps)
        self.stop_predicting = False
        hooks, out = loop_hooks.predict_hooks(self, cbl, self._handle_sigint(), len(xs[0]), batch_size)
        outputs = self._core.predict(xs, batch_size, hooks, out)
        return self._structured_outputs(outputs)

    def _predict_stream(self, x, batch_size, verbose, steps, callbacks):
        """predict on a generator or PyDataset: each batch predicted as it comes, the outputs
        joined (only x of each batch is read)."""
        data_streams.check_arguments(x, None, None, None, False)
        source = data_streams.Source(x, config.capped_steps(_optional_positive_int("steps", steps)))
        verbose = _verbose(verbose)
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=source.steps)
        self.stop_predicting = False
        cbl.on_predict_begin()
        parts = []
        for batch, item in enumerate(source.epoch(first_epoch=True)):
            cbl.on_predict_batch_begin(batch)
            xs = data_adapter.input_arrays(self, data_streams.unpack(item)[0])
            outputs = self._core.predict(xs, max(1, len(xs[0])))
            parts.append(outputs)
            cbl.on_predict_batch_end(batch, {"outputs": outputs[0] if len(outputs) == 1 else outputs})
            if self.stop_predicting:
                break
        cbl.on_predict_end()
        if not parts:
            raise ValueError(f"The {type(x).__name__} passed as `x` produced no batch to predict.")
        return self._structured_outputs([np.concatenate(column) for column in zip(*parts)])

    def predict_on_batch(self, x):
        try:  # (filtered here, as in predict)
            out = self._predict_ready(x, None)
            return out if out is not None else self._predict_one_batch(x)
        except Exception as error:
            raise traceback_utils.filtered(error)

    def _predict_one_batch(self, x):
        xs = data_adapter.input_arrays(self, x)
        if not any(len(a) for a in xs):  # an empty batch: empty outputs, as Keras gives (predict refuses one)
            graph = self._graph
            return self._structured_outputs([np.zeros((0,) + tuple(graph.node_shape(o)), np.float32)
                                             for o in graph.output_nodes])
        return self._structured_outputs(self._core.predict(xs, max(1, len(xs[0]))))
