"""copy.copy, copy.deepcopy and pickle of the Keras objects whose state lives in C++ (layers,
optimizers, losses, metrics, schedules, regularizers, initializers): each is rebuilt from its
config, as Keras pickles an object by saving and loading it (keras/src/saving/keras_saveable.py).
So every copy is a new object, independent of the original, never a second handle on the same
C++ state. A built layer's weights come along too; a metric comes back with its state reset
and an optimizer unbuilt at step 0, as from Keras's pickle.

Objects computed in Python (the user's own Loss, Metric, schedule or initializer classes without
a C++ core) pickle as plain Python objects."""


class ConfigPickling:
    """Pickles by ``get_config()`` when the object has a C++ core (``_core``)."""

    def __reduce_ex__(self, protocol):
        if self.__dict__.get("_core") is None and type(self)._core_pickled_by_config is False:
            return super().__reduce_ex__(protocol)
        return _rebuild, (type(self), self.get_config(), self._pickled_state())

    # A class whose objects always hold C++ state (layers, optimizers) sets this to True.
    _core_pickled_by_config = False

    def _pickled_state(self):
        """What the config does not hold, for _restore_pickled_state (None: nothing)."""
        return None

    def _restore_pickled_state(self, state):
        pass


def _rebuild(cls, config, state):
    obj = cls.from_config(config)
    if state is not None:
        obj._restore_pickled_state(state)
    return obj
