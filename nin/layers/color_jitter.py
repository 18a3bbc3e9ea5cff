"""ColorJitter: seed 004's random brightness, contrast and saturation.

Per image, a brightness factor b, a contrast factor c and a saturation
factor s, each drawn uniformly from [1 - strength, 1 + strength]: pixels
* b; then (pixels - grey mean) * c + grey mean; then grey + (pixels -
grey) * s (colour images only; grey is the ITU-R 601 luma); clipped to
[0, 255]. Fixed order, unlike torchvision. Identity at inference.
"""

import keras
from keras import ops

from nin.layers.pixel_space import PixelSpaceLayer
from nin.validation import FRACTION

LUMA = (0.299, 0.587, 0.114)


@keras.saving.register_keras_serializable(package="nin")
class ColorJitter(PixelSpaceLayer):
    """Random brightness, contrast and saturation per image.

    Args:
        brightness, contrast, saturation: strengths in [0, 1); factors
            are drawn from [1 - strength, 1 + strength].
        pixel_mean, pixel_std: per-channel standardization statistics
            (0-255 units) of the inputs, or None for pixel inputs.
        seed: integer seed, or None.
    """

    def __init__(self, brightness=0.4, contrast=0.4, saturation=0.4,
                 **kwargs):
        super().__init__(**kwargs)
        self.brightness = float(FRACTION("brightness", brightness))
        self.contrast = float(FRACTION("contrast", contrast))
        self.saturation = float(FRACTION("saturation", saturation))

    def sample_factors(self, batch_size, dtype="float32"):
        """(batch, 3) brightness, contrast, saturation factors."""
        strengths = ops.convert_to_tensor(
            [self.brightness, self.contrast, self.saturation], dtype)
        unit = keras.random.uniform((batch_size, 3), -1.0, 1.0, dtype=dtype,
                                    seed=self.seed_generator)
        return 1.0 + unit * strengths

    def call(self, images, training=False):
        if not training:
            return images
        pixels = images
        if self.pixel_mean is not None:
            mean, std = self._stats(images.dtype)
            pixels = images * std + mean
        factors = self.sample_factors(ops.shape(images)[0], images.dtype)
        factor = factors[:, None, None, None, :]
        pixels = pixels * factor[..., 0]
        grey = self._grey(pixels)
        grey_mean = ops.mean(grey, axis=(1, 2), keepdims=True)
        pixels = (pixels - grey_mean) * factor[..., 1] + grey_mean
        if images.shape[-1] == 3:
            grey = self._grey(pixels)
            pixels = grey + (pixels - grey) * factor[..., 2]
        pixels = ops.clip(pixels, 0.0, 255.0)
        if self.pixel_mean is None:
            return pixels
        return (pixels - mean) / std

    @staticmethod
    def _grey(pixels):
        if pixels.shape[-1] != 3:
            return ops.mean(pixels, axis=-1, keepdims=True)
        weights = ops.convert_to_tensor(LUMA, pixels.dtype)
        return ops.sum(pixels * weights, axis=-1, keepdims=True)

    def get_config(self):
        config = super().get_config()
        config.update({"brightness": self.brightness,
                       "contrast": self.contrast,
                       "saturation": self.saturation})
        return config
