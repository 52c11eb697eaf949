"""Adagrad (keras/src/optimizers/adagrad.py)."""

from densekit.optimizers.base_optimizer import Optimizer


class Adagrad(Optimizer):
    _kind = "Adagrad"

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, *common, **kwargs):
        super().__init__(learning_rate, *common, **kwargs)
        self._build(initial_accumulator_value=float(initial_accumulator_value), epsilon=float(epsilon))
