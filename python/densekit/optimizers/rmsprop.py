"""RMSprop (keras/src/optimizers/rmsprop.py)."""

from densekit.optimizers.base_optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (epsilon inside the square root), optionally centered and with momentum."""
    _kind = "RMSprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, *common, **kwargs):
        super().__init__(learning_rate, *common, **kwargs)
        self._build(rho=float(rho), momentum=float(momentum), epsilon=float(epsilon), centered=bool(centered))
