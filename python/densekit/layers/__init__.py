"""Layers: Dense, Dropout, Flatten, Reshape, the activation layers, the merge layers, the
normalization layers, global pooling, GaussianNoise / GaussianDropout / AlphaDropout, Rescaling, and Input / InputLayer."""

import dis
import sys

from densekit.layers.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from densekit.layers.batch_normalization import BatchNormalization
from densekit.layers.category_encoding import CategoryEncoding
from densekit.layers.dense import Dense
from densekit.layers.dropout import Dropout
from densekit.layers.embedding import Embedding
from densekit.layers.flatten import Flatten
from densekit.layers.activity_regularization import ActivityRegularization
from densekit.layers.alpha_dropout import AlphaDropout
from densekit.layers.gaussian_dropout import GaussianDropout
from densekit.layers.gaussian_noise import GaussianNoise
from densekit.layers.identity import Identity
from densekit.layers.input_layer import Input, InputLayer
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.lambda_layer import Lambda
from densekit.layers.layer import Layer
from densekit.layers.layer_normalization import LayerNormalization, RMSNormalization
from densekit.layers.merging import (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average, concatenate, dot, maximum,
    minimum, multiply, subtract,
)
from densekit.layers.normalization import Normalization
from densekit.layers.permute import Permute
from densekit.layers.pooling import (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D, GlobalAvgPool2D,
    GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
# The layers densekit.ops records (not Keras layers: a loaded model's op nodes are these).
from densekit.layers.operation_layers import (AddLoss, BinaryOp, ElementwiseOp, IndexMapOp, LossOp,  # noqa: F401
                                              RandomDraw, Reduce, WeightOp)
from densekit.layers.rescaling import Rescaling
from densekit.layers.repeat_vector import RepeatVector
from densekit.layers.reshape import Reshape
from densekit.layers.unit_normalization import UnitNormalization
from densekit.utils import object_serialization

__all__ = [
    "ELU", "Activation", "Add", "Average", "BatchNormalization", "CategoryEncoding", "Identity", "Permute",
    "RepeatVector", "RMSNormalization", "UnitNormalization", "Concatenate", "Dense", "Dot", "Embedding", "Dropout", "Flatten",
    "ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalMaxPooling3D", "Input", "InputLayer", "KerasTensor", "Lambda", "Layer", "LayerNormalization", "LeakyReLU",
    "Maximum", "Minimum", "Multiply", "Normalization", "PReLU", "ReLU", "Rescaling", "Reshape", "Softmax", "Subtract",
    "add", "average", "concatenate", "deserialize", "dot", "maximum", "minimum", "multiply", "serialize", "subtract",
]


def serialize(layer):
    """keras.layers.serialize: the layer's Keras config (with its build config once built)."""
    return object_serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """keras.layers.deserialize: the layer a serialize() dict describes (built when the dict
    holds a build config)."""
    layer = object_serialization.deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer) and not object_serialization.is_model(layer):  # a model is a layer in Keras
        raise ValueError("`keras.layers.deserialize` was passed a `config` object that is not a "
                         f"`keras.layers.Layer`. Received: {config}")
    return layer


def __getattr__(name):
    """Keras's layers densekit does not have: an AttributeError that says why (README, "What
    densekit does not do") rather than only that the name is missing."""
    reason = _missing_reason(name)
    if reason is None:
        raise AttributeError(f"module 'densekit.layers' has no attribute '{name}'")
    message = f"densekit.layers has no {name}: {reason} (README, \"What densekit does not do\")."
    if _importing_from(sys._getframe(1)):
        # `from densekit.layers import Masking`: Python replaces an AttributeError here with its
        # own "cannot import name", which would drop the reason; an ImportError passes through.
        raise ImportError(message, name=__name__)
    raise AttributeError(message)


def _importing_from(frame):
    """Whether ``frame`` is running a ``from module import name`` statement."""
    try:
        code, at = frame.f_code.co_code, frame.f_lasti
        while dis.opname[code[at]] == "EXTENDED_ARG":  # (Python 3.9-3.10 stop there for a name past the 256th)
            at += 2
        return dis.opname[code[at]] == "IMPORT_FROM"
    except (AttributeError, IndexError, TypeError):
        return False


def _missing_reason(name):
    if name == "Masking":
        return "densekit does not support masks"
    if any(part in name for part in ("Conv", "Cropping", "UpSampling", "ZeroPadding")) or (
            "Pool" in name and not name.startswith("Global")):
        return "densekit builds dense networks, without convolutions or local pooling"
    if name in ("RNN", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed", "StackedRNNCells") or \
            name.endswith("Cell"):
        return "densekit builds dense networks, without recurrent layers"
    if "Attention" in name:
        return "densekit builds dense networks, without attention layers"
    if name.startswith("Random") or name in (
            "Resizing", "CenterCrop", "TextVectorization", "StringLookup", "IntegerLookup", "Hashing", "HashedCrossing",
            "Discretization", "MelSpectrogram", "STFTSpectrogram", "AugMix", "CutMix", "MixUp", "RandAugment",
            "Solarization", "Equalization", "AutoContrast", "Pipeline"):
        return "densekit has no image, text or audio preprocessing layers, nor lookups and hashing"
    return None
