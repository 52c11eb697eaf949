"""Layers: Dense, Dropout, Flatten, Reshape, the activation layers, the merge layers, the
normalization layers, GaussianNoise / GaussianDropout, Rescaling, and Input / InputLayer."""

from densekit.layers.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from densekit.layers.batch_normalization import BatchNormalization
from densekit.layers.dense import Dense
from densekit.layers.dropout import Dropout
from densekit.layers.flatten import Flatten
from densekit.layers.gaussian_dropout import GaussianDropout
from densekit.layers.gaussian_noise import GaussianNoise
from densekit.layers import keras_tensor
from densekit.layers.input_layer import Input, InputLayer
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer import Layer
from densekit.layers.layer_normalization import LayerNormalization
from densekit.layers.merging import (
    Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add, average, concatenate, maximum, minimum,
    multiply, subtract,
)
from densekit.layers.normalization import Normalization
from densekit.layers.rescaling import Rescaling
from densekit.layers.reshape import Reshape

# What arithmetic on symbolic tensors builds (a + b, x * 2.0, ...): see layers/keras_tensor.py.
keras_tensor.set_operator_layers(add=Add, subtract=Subtract, multiply=Multiply, rescaling=Rescaling)

__all__ = [
    "ELU", "Activation", "Add", "Average", "BatchNormalization", "Concatenate", "Dense", "Dropout", "Flatten",
    "GaussianDropout", "GaussianNoise", "Input", "InputLayer", "KerasTensor", "Layer", "LayerNormalization", "LeakyReLU",
    "Maximum", "Minimum", "Multiply", "Normalization", "PReLU", "ReLU", "Rescaling", "Reshape", "Softmax", "Subtract",
    "add", "average", "concatenate", "maximum", "minimum", "multiply", "subtract",
]
