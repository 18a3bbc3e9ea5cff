"""Maxout: the maximum over groups of `pieces` consecutive channels.

Goodfellow et al. (2013), seed 004: a maxout unit is the max over k affine
pieces. In a conv net the preceding convolution produces `units * pieces`
channels and this layer reduces each group of `pieces` consecutive channels
(channels `u*k .. u*k+k-1` feed unit `u`) to its maximum, so the output has
`units` channels. It replaces the activation after each conv in Maxout-NIN.
"""

import keras
from keras import ops

from nin.validation import INT_AT_LEAST_TWO


@keras.saving.register_keras_serializable(package="nin")
class Maxout(keras.layers.Layer):
    """Max over each group of `pieces` consecutive channels (last axis).

    Args:
        pieces: number of affine pieces per unit (k), an integer >= 2.
    """

    def __init__(self, pieces=2, **kwargs):
        super().__init__(**kwargs)
        self.pieces = INT_AT_LEAST_TWO("pieces", pieces)

    def _units_for(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % self.pieces != 0:
            raise ValueError(
                "Maxout needs a known channel count divisible by "
                f"pieces={self.pieces}. Received: input_shape={input_shape}"
            )
        return channels // self.pieces

    def build(self, input_shape):
        self.units = self._units_for(input_shape)

    def call(self, inputs):
        # BEGIN SOLUTION maxout
        leading = ops.shape(inputs)[:-1]
        grouped = ops.reshape(inputs, (*leading, self.units, self.pieces))
        return ops.max(grouped, axis=-1)
        # END SOLUTION

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self._units_for(input_shape))

    def get_config(self):
        config = super().get_config()
        config.update({"pieces": self.pieces})
        return config
