"""Adamax (keras/src/optimizers/adamax.py)."""

from densekit.optimizers.base_optimizer import Optimizer


class Adamax(Optimizer):
    _kind = "Adamax"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, *common, **kwargs):
        super().__init__(learning_rate, *common, **kwargs)
        self._build(beta_1=float(beta_1), beta_2=float(beta_2), epsilon=float(epsilon))
