"""SigmoidPReLU: seed 000's parametric ReLU with alpha kept in (0, 1).

Seed 000 (Pezeshki) re-parameterizes PReLU so that alpha = sigmoid(beta)
stays in (0, 1): "when alpha is 0, the activation function is just linear
... if alpha is 1, then the activation function is exactly the ReLU", and
alpha starts at 0.5. So, for x < 0,

    f(x) = (1 - alpha) * x,   alpha = sigmoid(beta),  beta = 0 at start,

and f(x) = x for x >= 0. The trainable parameter is beta, one per channel
(shared over the spatial axes of a feature map, as He et al.'s PReLU).
At the start alpha = 0.5 exactly, so the negative slope is 0.5 whichever
way alpha is read. Seed 000 reports trained alphas between 0.5 and 0.8,
i.e. negative slopes between 0.5 and 0.2.
"""

import math

import keras
from keras import ops

from nin.validation import OPEN_FRACTION


@keras.saving.register_keras_serializable(package="nin")
class SigmoidPReLU(keras.layers.Layer):
    """x for x >= 0, (1 - sigmoid(beta)) * x for x < 0; beta learned.

    Args:
        shared_axes: input axes (1-based, batch excluded) that share one
            beta, e.g. [1, 2] for one beta per channel of an NHWC map.
            None: one beta per input unit.
        initial_alpha: alpha at the start, in (0, 1) (seed 000: 0.5).
    """

    def __init__(self, shared_axes=None, initial_alpha=0.5, **kwargs):
        super().__init__(**kwargs)
        initial_alpha = float(OPEN_FRACTION("initial_alpha", initial_alpha))
        if shared_axes is not None:
            shared_axes = [int(axis) for axis in shared_axes]
            if any(axis < 1 for axis in shared_axes):
                raise ValueError(
                    "shared_axes must be input axes >= 1 (the batch axis 0 "
                    f"is never shared). Received: {shared_axes}")
        self.shared_axes = shared_axes
        self.initial_alpha = initial_alpha

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis > len(shape):
                raise ValueError(
                    f"shared_axes {self.shared_axes} do not fit inputs of "
                    f"shape {input_shape}")
            shape[axis - 1] = 1
        # beta = logit(initial_alpha): exactly 0.0 for alpha 0.5.
        p = self.initial_alpha
        self.beta = self.add_weight(
            shape=tuple(shape), name="beta",
            initializer=keras.initializers.Constant(math.log(p / (1 - p))),
        )

    @property
    def alpha(self):
        """alpha = sigmoid(beta), in (0, 1)."""
        return ops.sigmoid(self.beta)

    def call(self, inputs):
        negative_slope = 1.0 - ops.sigmoid(ops.cast(self.beta, inputs.dtype))
        return ops.where(inputs >= 0, inputs, inputs * negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"shared_axes": self.shared_axes,
                       "initial_alpha": self.initial_alpha})
        return config
