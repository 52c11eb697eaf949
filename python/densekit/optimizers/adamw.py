"""AdamW (keras/src/optimizers/adamw.py): Adam with decoupled weight decay, a subclass of Adam
as in Keras."""

from densekit.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004), second in Keras's order; Adam's own
    arguments follow it, then the common ones from clipnorm on."""
    _kind = "AdamW"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, *common, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, *common, **kwargs)
