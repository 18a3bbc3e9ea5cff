"""Seed 001's augmentation as a backend-agnostic Keras layer.

Training: pad `pad` zero pixels on each side, crop a window of the original
size at an independent random integer offset (0..2*pad, 0..2*pad) *per
image*, then flip left-right with probability 0.5 *per image*. Inference:
identity. `keras.layers.RandomCrop` is not this: it crops a whole batch at
one offset and resizes at inference.

Vectorized: each output pixel is gathered from the padded batch through
per-image row and column indices (the flip is folded into the column
indices), so there is no Python loop over images, and only `keras.ops` and
`keras.random` are used (TensorFlow, JAX and PyTorch backends alike).
"""

import keras
from keras import ops

from nin.validation import NON_NEGATIVE_INT


@keras.saving.register_keras_serializable(package="nin")
class PadCropFlip(keras.layers.Layer):
    """Random pad-and-crop translation plus horizontal flip, per image.

    Args:
        pad: zero pixels added on each side before cropping (>= 0).
        flip: also flip left-right with probability 0.5.
        seed: integer seed, or None.
    """

    def __init__(self, pad=4, flip=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.pad = NON_NEGATIVE_INT("pad", pad)
        self.flip = bool(flip)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = False

    def sample_offsets(self, batch_size):
        """Per-image (row offset, column offset, flip) integer tensors."""
        span = 2 * self.pad + 1
        offsets = keras.random.randint(
            (batch_size, 2), 0, span, seed=self.seed_generator
        )
        if self.flip:
            flips = keras.random.randint(
                (batch_size,), 0, 2, seed=self.seed_generator
            )
        else:
            flips = ops.zeros((batch_size,), dtype="int32")
        return offsets[:, 0], offsets[:, 1], flips

    def call(self, images, training=False):
        if not training:
            return images
        # BEGIN SOLUTION pad_crop_flip
        shape = ops.shape(images)
        batch, height, width = shape[0], shape[1], shape[2]
        row_offset, col_offset, flips = self.sample_offsets(batch)
        p = self.pad
        padded = ops.pad(images, [[0, 0], [p, p], [p, p], [0, 0]])
        rows = row_offset[:, None] + ops.arange(height)[None, :]
        columns = ops.arange(width)[None, :]
        columns = ops.where(flips[:, None] > 0, width - 1 - columns, columns)
        columns = col_offset[:, None] + columns
        channels = images.shape[-1]
        # Gather rows, then columns, each with per-image indices.
        row_index = ops.broadcast_to(
            rows[:, :, None, None], (batch, height, width + 2 * p, channels)
        )
        picked = ops.take_along_axis(padded, row_index, axis=1)
        column_index = ops.broadcast_to(
            columns[:, None, :, None], (batch, height, width, channels)
        )
        return ops.take_along_axis(picked, column_index, axis=2)
        # END SOLUTION

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"pad": self.pad, "flip": self.flip, "seed": self.seed})
        return config
