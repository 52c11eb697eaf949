"""Lion (keras/src/optimizers/lion.py): steps of the learning rate's size in the sign of an
interpolated momentum; a good rate is typically 3-10x smaller than AdamW's."""

from densekit.optimizers.base_optimizer import Optimizer


class Lion(Optimizer):
    _kind = "Lion"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, *common, **kwargs):
        super().__init__(learning_rate, *common, **kwargs)
        self._build(beta_1=float(beta_1), beta_2=float(beta_2))
