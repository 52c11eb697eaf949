"""SGD with optional (Nesterov) momentum (keras/src/optimizers/sgd.py)."""

from densekit.optimizers.base_optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum."""
    _kind = "SGD"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, *common, **kwargs):
        super().__init__(learning_rate, *common, **kwargs)
        self._build(momentum=momentum, nesterov=bool(nesterov))
