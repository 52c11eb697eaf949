"""AdamW (keras/src/optimizers/adamw.py)."""

from densekit.optimizers.base_optimizer import Optimizer


class AdamW(Optimizer):
    """Adam with decoupled weight decay (default 0.004)."""
    _kind = "AdamW"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)
        self._build(beta_1=float(beta_1), beta_2=float(beta_2), epsilon=float(epsilon), amsgrad=bool(amsgrad))
