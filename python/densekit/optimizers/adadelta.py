"""Adadelta (keras/src/optimizers/adadelta.py)."""

from densekit.optimizers.base_optimizer import Optimizer


class Adadelta(Optimizer):
    _kind = "Adadelta"

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, *common, **kwargs):
        super().__init__(learning_rate, *common, **kwargs)
        self._build(rho=float(rho), epsilon=float(epsilon))
