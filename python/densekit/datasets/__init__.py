"""Datasets. ``breast_cancer`` ships with densekit; the others are Keras's datasets, loaded the
way ``keras.datasets`` loads them and downloaded once into the cache Keras uses
(``$KERAS_HOME/datasets`` or ``~/.keras/datasets``; docs/datasets.md)."""

from densekit.datasets import (
    boston_housing, breast_cancer, california_housing, cifar10, fashion_mnist, imdb, mnist, reuters,
)

__all__ = ["boston_housing", "breast_cancer", "california_housing", "cifar10", "fashion_mnist", "imdb", "mnist",
           "reuters"]
