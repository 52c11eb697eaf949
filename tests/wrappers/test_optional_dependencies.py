"""scikit-learn is optional: densekit imports without it, and a wrapper used without it raises an
ImportError that names the extra to install."""

import subprocess
import sys

import pytest


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_importing_densekit_does_not_import_sklearn():
    result = _run("import sys, densekit as keras; keras.wrappers; print('sklearn' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("access", ["keras.wrappers.SKLearnClassifier", "keras.wrappers.scikit_learn.KerasRegressor",
                                    "__import__('densekit.wrappers.scikit_learn')"])
def test_missing_sklearn_names_the_extra(access):
    # A None entry in sys.modules makes "import sklearn" fail, as if it were not installed.
    result = _run(f"import sys; sys.modules['sklearn'] = None\nimport densekit as keras\n{access}")
    assert result.returncode != 0
    assert "ImportError" in result.stderr and 'pip install "densekit[sklearn]"' in result.stderr, result.stderr


def test_unknown_attribute():
    import densekit

    with pytest.raises(AttributeError, match="no attribute 'KerasClassifier'"):
        densekit.wrappers.KerasClassifier
