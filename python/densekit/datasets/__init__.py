"""Small datasets that ship with densekit (no downloads)."""

from densekit.datasets import breast_cancer

__all__ = ["breast_cancer"]
