"""PCALighting: AlexNet's "fancy PCA" colour offset (seed 004).

Add [p1, p2, p3] [a1 l1, a2 l2, a3 l3]^T to every pixel of an image, with
(p_i, l_i) the eigenvectors and eigenvalues of the training set's RGB
covariance (pixels scaled to [0, 1], `pca_lighting_basis`) and
a_i ~ N(0, alpha_std) drawn per image (AlexNet: 0.1). Not clipped.
Identity at inference.
"""

import keras
import numpy as np
from keras import ops

from nin.layers.pixel_space import PixelSpaceLayer
from nin.validation import NON_NEGATIVE


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


@keras.saving.register_keras_serializable(package="nin")
class PCALighting(PixelSpaceLayer):
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
        self.eigenvalues = values.tolist()
        self.eigenvectors = vectors.tolist()
        self.alpha_std = float(NON_NEGATIVE("alpha_std", alpha_std))

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
