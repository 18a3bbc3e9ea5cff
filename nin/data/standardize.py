"""Input standardization with training-set statistics only.

- `channel` (seed 001's "color normalization", the default): one mean and
  std per colour channel.
- `global` (seed 003's "global feature standardization"): one mean and one
  std over all pixels and channels.

Either way the statistics come from the training images alone and are
applied to every split; they are returned per channel (equal values for
`global`) so that they can be recorded and used by colour augmentation.
"""

import numpy as np

from nin.validation import choice

STANDARDIZATIONS = ("channel", "global")


def channel_stats(x_train, chunk=4096):
    """Per-channel mean and std of the training images (float64).

    Accumulated in chunks, so CIFAR's 50,000 images never need a float64
    copy of the whole array.
    """
    channels = x_train.shape[-1]
    total = np.zeros(channels)
    total_sq = np.zeros(channels)
    for start in range(0, len(x_train), chunk):
        pixels = x_train[start:start + chunk].reshape(-1, channels)
        pixels = pixels.astype(np.float64)
        total += pixels.sum(axis=0)
        total_sq += np.square(pixels).sum(axis=0)
    count = x_train.size // channels
    mean = total / count
    return mean, np.sqrt(np.maximum(total_sq / count - mean**2, 0.0))


def global_stats(x_train, chunk=4096):
    """One mean and std over every pixel and channel, repeated per channel."""
    mean, std = channel_stats(x_train, chunk)
    overall_mean = mean.mean()
    # Pooled variance: within-channel variance plus spread of the means.
    variance = np.mean(std**2 + (mean - overall_mean) ** 2)
    channels = len(mean)
    return (np.full(channels, overall_mean),
            np.full(channels, np.sqrt(variance)))


def training_statistics(x_train, mode="channel"):
    """(mean, std) per channel to standardize with; a constant channel
    gets std 1 so it is only centred."""
    choice("standardization", mode, STANDARDIZATIONS)
    stats = channel_stats if mode == "channel" else global_stats
    mean, std = stats(x_train)
    return mean, np.where(std > 0, std, 1.0)


def standardize(x_train, x_test, mode="channel"):
    """Float32 images standardized with training-set statistics.

    Returns (x_train, x_test, (mean, std)), mean and std per channel.
    """
    mean, std = training_statistics(x_train, mode)
    return (apply_standardization(x_train, mean, std),
            apply_standardization(x_test, mean, std), (mean, std))


def apply_standardization(x, mean, std):
    """`x` standardized with given per-channel statistics, as float32."""
    return ((x.astype(np.float32) - mean) / std).astype(np.float32)
