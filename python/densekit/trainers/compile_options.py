"""Keras's compile options that name how its loop runs (run_eagerly, jit_compile,
steps_per_execution), as model attributes. densekit's loop runs in C++ whatever they say (the
README): they are kept, so code reading them back (or setting them, as Keras allows) works."""

import warnings


class CompileOptions:
    run_eagerly = False
    jit_compile = False  # Keras's "auto" on a CPU
    steps_per_execution = 1

    def _keep_compile_options(self, run_eagerly, jit_compile, steps_per_execution):
        self.run_eagerly = bool(run_eagerly)
        if run_eagerly and jit_compile is True:  # Keras's words and choice
            warnings.warn("If `run_eagerly` is True, then `jit_compile` cannot also be True. Disabling `jit_compile` "
                          "by setting `jit_compile=False`.", stacklevel=3)
        self.jit_compile = False if jit_compile == "auto" or run_eagerly else bool(jit_compile)
        self.steps_per_execution = steps_per_execution
