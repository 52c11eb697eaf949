"""AdamW (keras/src/optimizers/adamw.py): Adam with decoupled weight decay, a subclass of Adam
as in Keras."""

from densekit.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004). Arguments after ``weight_decay`` are
    Adam's, in Keras's order (beta_1, beta_2, epsilon and the AMSGrad flag)."""
    _kind = "AdamW"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, *adam_args, **kwargs):
        super().__init__(learning_rate, *adam_args, weight_decay=weight_decay, **kwargs)
