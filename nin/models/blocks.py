"""Building blocks shared by the model builders.

Every conv or dense layer in the lab is `layer -> [BatchNorm] -> activation`
(seed 001 and seed 003 alike). `LayerSpec` carries what is the same for all
blocks of one model, so each builder states only its own architecture.
"""

import dataclasses
from typing import Optional

import keras

from nin.layers.activations import channel_multiplier, make_activation
from nin.layers.batch_norm import BatchNormalization
from nin.models.initializers import kernel_initializer


@dataclasses.dataclass
class LayerSpec:
    """Settings common to every block of one model.

    `first` is flipped to False after the first block, since the WI-off
    initializer differs for the first layer.
    """

    activation: str
    batch_norm: bool
    he_init: bool
    weight_decay: float
    pieces: int
    first: bool = True
    init: Optional[str] = None  # a named scheme; None: he_init decides
    init_std: Optional[float] = None

    def regularizer(self):
        if self.weight_decay == 0:
            return None
        return keras.regularizers.L2(self.weight_decay)

    def next_initializer(self):
        initializer = kernel_initializer(
            self.he_init, first_layer=self.first, scheme=self.init,
            std=self.init_std)
        self.first = False
        return initializer


def scale_width(channels, width):
    """Scale a hidden channel count by `width`, never below 1."""
    return max(1, int(round(channels * width)))


# Moving statistics with momentum 0.9 (PyTorch's 0.1) settle within ~20
# steps; Keras's default 0.99 lags on short runs (digits: 12 steps/epoch)
# and makes test accuracy trail training badly. CIFAR's 391 steps/epoch
# make the choice immaterial there. epsilon 1e-5 as in PyTorch and Ioffe
# & Szegedy's reference implementations.
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5


def _normalize_and_activate(x, spec, name, spatial):
    if spec.batch_norm:
        # BEGIN SOLUTION bn_placement
        x = BatchNormalization(
            momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{name}_bn"
        )(x)
        # END SOLUTION
    return make_activation(
        spec.activation, layer_name=f"{name}_act", spatial=spatial,
        pieces=spec.pieces,
    )(x)


def conv_block(x, filters, kernel_size, spec, name):
    """Conv (same padding, stride 1) -> [BN] -> activation."""
    x = keras.layers.Conv2D(
        filters * channel_multiplier(spec.activation, spec.pieces),
        kernel_size,
        padding="same",
        kernel_initializer=spec.next_initializer(),
        kernel_regularizer=spec.regularizer(),
        name=name,
    )(x)
    return _normalize_and_activate(x, spec, name, spatial=True)


def dense_block(x, units, spec, name):
    """Dense -> [BN] -> activation."""
    x = keras.layers.Dense(
        units * channel_multiplier(spec.activation, spec.pieces),
        kernel_initializer=spec.next_initializer(),
        kernel_regularizer=spec.regularizer(),
        name=name,
    )(x)
    return _normalize_and_activate(x, spec, name, spatial=False)


def classifier(x, num_classes, spec, name="predictions"):
    """The final dense softmax layer of the VGG and MLP models (float32
    under mixed precision, so the loss sees full-precision outputs)."""
    return keras.layers.Dense(
        num_classes,
        activation="softmax",
        dtype="float32",
        kernel_initializer=spec.next_initializer(),
        kernel_regularizer=spec.regularizer(),
        name=name,
    )(x)
