"""Layers: Dense, Dropout, Flatten, Activation, Input / InputLayer."""

from densekit.layers.activation import Activation
from densekit.layers.dense import Dense
from densekit.layers.dropout import Dropout
from densekit.layers.flatten import Flatten
from densekit.layers.input_layer import Input, InputLayer, KerasTensor
from densekit.layers.layer import Layer

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "KerasTensor", "Layer"]
