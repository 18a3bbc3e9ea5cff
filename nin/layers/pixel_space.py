"""The base of the colour augmentation layers: a seeded random layer that
works in pixel units (0-255).

Training feeds the colour layers standardized images, so each takes the
standardization's per-channel `pixel_mean` / `pixel_std` (0-255 units)
and converts to and from pixels; with None its inputs are pixels. Its
random draws come from a seeded generator that training reseeds per
epoch, so resumed runs repeat them exactly.
"""

import keras
from keras import ops


class PixelSpaceLayer(keras.layers.Layer):
    """Shared: seed, pixel statistics, conversion to and from pixels."""

    def __init__(self, pixel_mean=None, pixel_std=None, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if (pixel_mean is None) != (pixel_std is None):
            raise ValueError(
                "Give both pixel_mean and pixel_std, or neither. Received: "
                f"pixel_mean={pixel_mean!r}, pixel_std={pixel_std!r}")
        self.pixel_mean = None if pixel_mean is None else [
            float(v) for v in pixel_mean]
        self.pixel_std = None if pixel_std is None else [
            float(v) for v in pixel_std]
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _stats(self, dtype):
        return (ops.convert_to_tensor(self.pixel_mean, dtype),
                ops.convert_to_tensor(self.pixel_std, dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"pixel_mean": self.pixel_mean,
                       "pixel_std": self.pixel_std, "seed": self.seed})
        return config
