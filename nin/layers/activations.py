"""Activations by name: the layer that follows each conv/dense (+BN).

One table maps a name to its label in run names (seed 001's legend);
`make_activation` makes the layer for a name. Maxout is special: it needs
`pieces` times more channels from the layer before it, which
`channel_multiplier` tells the model builders. Adding an activation is an
entry in `ACTIVATION_LABELS` and, unless Keras knows it by name, a branch
in `make_activation`.
"""

import keras

from nin.layers.maxout import Maxout
from nin.layers.rrelu import RReLU
from nin.layers.sigmoid_prelu import SigmoidPReLU
from nin.validation import choice

LRELU_SLOPE = 0.01  # seed 001: LeakyReLU alpha = 0.01
DEFAULT_MAXOUT_PIECES = 2

# name -> label used in run names (seed 001's legend; ReLU is unnamed).
ACTIVATION_LABELS = {
    "relu": "",
    "elu": "ELU",
    "lrelu": "LReLU",
    "maxout": "Maxout",
    "prelu": "PReLU",
    "rrelu": "RReLU",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "sprelu": "SPReLU",  # seed 000: PReLU with alpha = sigmoid(beta)
}


def list_activations():
    """The activation names accepted everywhere (`--act`)."""
    return list(ACTIVATION_LABELS)


def check_activation(name):
    return choice("activation", name, ACTIVATION_LABELS)


def activation_label(name):
    """`ELU`, `LReLU`, ...; ReLU, unnamed in run names, is `ReLU` here."""
    return ACTIVATION_LABELS[check_activation(name)] or "ReLU"


def channel_multiplier(name, pieces=DEFAULT_MAXOUT_PIECES):
    """How many channels the preceding layer must make per output unit."""
    return pieces if check_activation(name) == "maxout" else 1


def make_activation(name, *, layer_name=None, spatial=True,
                    pieces=DEFAULT_MAXOUT_PIECES, seed=None):
    """A new Keras layer for activation `name`.

    `spatial` says the input is a feature map (N, H, W, C): PReLU and
    SigmoidPReLU then learn one slope per channel, as in He et al. (2015).
    """
    check_activation(name)
    if name == "maxout":
        return Maxout(pieces=pieces, name=layer_name)
    if name == "rrelu":
        return RReLU(seed=seed, name=layer_name)
    if name in ("lrelu", "elu"):
        # BEGIN SOLUTION activations
        if name == "lrelu":
            return keras.layers.LeakyReLU(
                negative_slope=LRELU_SLOPE, name=layer_name
            )
        return keras.layers.Activation("elu", name=layer_name)
        # END SOLUTION
    if name == "prelu":
        return keras.layers.PReLU(
            shared_axes=[1, 2] if spatial else None, name=layer_name
        )
    if name == "sprelu":
        return SigmoidPReLU(
            shared_axes=[1, 2] if spatial else None, name=layer_name
        )
    return keras.layers.Activation(name, name=layer_name)
