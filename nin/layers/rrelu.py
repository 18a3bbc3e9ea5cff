"""RReLU: randomized leaky ReLU (Xu et al. 2015, seed 004).

Training: the negative slope is 1/a with a drawn uniformly from
[lower, upper] independently for every element of every batch.
Inference: the fixed slope 2 / (lower + upper), the inverse of a's mean as
in the paper (2/11 for the default [3, 8]).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="nin")
class RReLU(keras.layers.Layer):
    """Leaky ReLU whose negative slope is random while training.

    Args:
        lower: smallest a (slope 1/a), > 0.
        upper: largest a, >= lower.
        seed: integer seed of the slope draws, or None.
    """

    def __init__(self, lower=3.0, upper=8.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        lower, upper = float(lower), float(upper)
        if not 0.0 < lower <= upper:
            raise ValueError(
                "RReLU needs 0 < lower <= upper. "
                f"Received: lower={lower}, upper={upper}"
            )
        self.lower = lower
        self.upper = upper
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def inference_slope(self):
        return 2.0 / (self.lower + self.upper)

    def call(self, inputs, training=False):
        if training:
            a = keras.random.uniform(
                ops.shape(inputs), minval=self.lower, maxval=self.upper,
                dtype=inputs.dtype, seed=self.seed_generator,
            )
            slope = 1.0 / a
        else:
            slope = ops.cast(self.inference_slope, inputs.dtype)
        return ops.where(inputs >= 0, inputs, inputs * slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {"lower": self.lower, "upper": self.upper, "seed": self.seed}
        )
        return config
