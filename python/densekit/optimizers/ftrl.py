"""FTRL-Proximal (keras/src/optimizers/ftrl.py): per-coordinate learning rates, with L1 and L2
strengths that act in the closed-form solve of each weight."""

from densekit.optimizers.base_optimizer import Optimizer


class Ftrl(Optimizer):
    _kind = "Ftrl"

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, *common, **kwargs):
        super().__init__(learning_rate, *common, **kwargs)
        self._build(learning_rate_power=float(learning_rate_power),
                    initial_accumulator_value=float(initial_accumulator_value),
                    l1_regularization_strength=float(l1_regularization_strength),
                    l2_regularization_strength=float(l2_regularization_strength),
                    l2_shrinkage_regularization_strength=float(l2_shrinkage_regularization_strength),
                    beta=float(beta))
