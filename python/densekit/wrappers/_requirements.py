"""The optional scikit-learn dependency of the wrappers, with an error that says how to get it."""

import importlib


def import_sklearn(user):
    """scikit-learn's module, or an ImportError naming ``user`` and the extra that installs it."""
    try:
        return importlib.import_module("sklearn")
    except ImportError as error:
        raise ImportError(f"{user} needs scikit-learn, which is not installed. Install it with: "
                          'pip install "densekit[sklearn]"') from error
