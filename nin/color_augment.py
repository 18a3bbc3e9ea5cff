"""Seed 004's colour augmentations as backend-agnostic Keras layers.

Both are identity at inference and draw their random numbers per image
with `keras.random` from a seeded generator (reseeded per epoch by
training, so resumed runs repeat them exactly). Training feeds them
standardized images, so each takes the standardization's per-channel
`pixel_mean` / `pixel_std` (0-255 units) and works in pixel units; with
None they take their inputs to be pixels (0-255).

- `ColorJitter`: per image, brightness factor b, contrast factor c and
  saturation factor s, each drawn uniformly from [1 - strength,
  1 + strength]: pixels * b; then (pixels - grey mean) * c + grey mean;
  then grey + (pixels - grey) * s (colour images only; grey is the
  ITU-R 601 luma); clipped to [0, 255]. Fixed order, unlike torchvision.
- `PCALighting` ("fancy PCA", AlexNet, seed 004): add
  [p1, p2, p3] [a1 l1, a2 l2, a3 l3]^T to every pixel of an image, with
  (p_i, l_i) the eigenvectors and eigenvalues of the training set's RGB
  covariance (pixels scaled to [0, 1], `pca_lighting_basis`) and
  a_i ~ N(0, alpha_std) drawn per image (AlexNet: 0.1). Not clipped.
"""

import keras
import numpy as np
from keras import ops

LUMA = (0.299, 0.587, 0.114)


def pca_lighting_basis(images, chunk=4096):
    """(eigenvalues, eigenvectors) of the RGB covariance of uint8 images,
    pixels scaled to [0, 1]; eigenvalues descending, eigenvectors as
    columns. Accumulated in chunks (CIFAR needs no float64 copy)."""
    channels = images.shape[-1]
    total = np.zeros(channels)
    outer = np.zeros((channels, channels))
    for start in range(0, len(images), chunk):
        pixels = images[start:start + chunk].reshape(-1, channels) / 255.0
        total += pixels.sum(axis=0)
        outer += pixels.T @ pixels
    count = images.size // channels
    mean = total / count
    covariance = outer / count - np.outer(mean, mean)
    values, vectors = np.linalg.eigh(covariance)
    order = np.argsort(values)[::-1]
    return np.maximum(values[order], 0.0), vectors[:, order]


class _PixelSpace(keras.layers.Layer):
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


@keras.saving.register_keras_serializable(package="nin")
class ColorJitter(_PixelSpace):
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
        for name, value in [("brightness", brightness),
                            ("contrast", contrast),
                            ("saturation", saturation)]:
            if isinstance(value, bool) or not 0 <= value < 1:
                raise ValueError(
                    f"{name} must be in [0, 1). Received: {name}={value!r}")
        self.brightness = float(brightness)
        self.contrast = float(contrast)
        self.saturation = float(saturation)

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


@keras.saving.register_keras_serializable(package="nin")
class PCALighting(_PixelSpace):
    """AlexNet's PCA colour offset, one draw per image.

    Args:
        eigenvalues: (C,) of the training RGB covariance, pixels in [0, 1].
        eigenvectors: (C, C), eigenvectors as columns.
        alpha_std: std of each a_i (AlexNet: 0.1).
        pixel_mean, pixel_std: as in `ColorJitter` (only the std is used:
            the offset is additive).
        seed: integer seed, or None.
    """

    def __init__(self, eigenvalues, eigenvectors, alpha_std=0.1, **kwargs):
        super().__init__(**kwargs)
        values = np.asarray(eigenvalues, dtype=np.float64)
        vectors = np.asarray(eigenvectors, dtype=np.float64)
        if values.ndim != 1 or vectors.shape != (len(values), len(values)):
            raise ValueError(
                "eigenvalues must be (C,) and eigenvectors (C, C). Received "
                f"shapes {values.shape} and {vectors.shape}")
        if isinstance(alpha_std, bool) or not alpha_std >= 0:
            raise ValueError(f"alpha_std must be >= 0. Received: {alpha_std}")
        self.eigenvalues = values.tolist()
        self.eigenvectors = vectors.tolist()
        self.alpha_std = float(alpha_std)

    def offsets(self, batch_size, dtype="float32"):
        """(batch, C) offsets in [0, 1] pixel units: V (a * lambda)."""
        channels = len(self.eigenvalues)
        alphas = keras.random.normal((batch_size, channels), stddev=1.0,
                                     dtype=dtype, seed=self.seed_generator)
        scaled = alphas * self.alpha_std * ops.convert_to_tensor(
            self.eigenvalues, dtype)
        vectors = ops.convert_to_tensor(self.eigenvectors, dtype)
        return ops.matmul(scaled, ops.transpose(vectors))

    def call(self, images, training=False):
        if not training:
            return images
        offset = self.offsets(ops.shape(images)[0], images.dtype) * 255.0
        if self.pixel_std is not None:
            offset = offset / self._stats(images.dtype)[1]
        return images + offset[:, None, None, :]

    def get_config(self):
        config = super().get_config()
        config.update({"eigenvalues": self.eigenvalues,
                       "eigenvectors": self.eigenvectors,
                       "alpha_std": self.alpha_std})
        return config
