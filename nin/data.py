"""Datasets by name, as uint8 NHWC images and integer labels.

`load_dataset(name, data_dir=None)` returns
`((x_train, y_train), (x_test, y_test))`:

- `cifar10`, `cifar100`: from `data_dir` (the official python-format
  archive or its extracted folder), else through `keras.datasets`, which
  downloads once into ~/.keras/datasets. Offline with no files gives one
  `DatasetUnavailableError` saying how to pass `--data-dir`.
- `digits`: scikit-learn's bundled 8x8 digits (1,797 real images, works
  offline), upscaled to 32x32x3, fixed stratified 80/20 split.
- `synthetic`: small random images whose class sets a colour, for tests.

`standardize` does seed 001's "color normalization": per-channel mean and
std computed on the training images only, applied to both splits.
"""

import numpy as np

from nin.cifar import load_cifar_files

DATASETS = ("cifar10", "cifar100", "digits", "synthetic")
NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "digits": 10, "synthetic": 10}
DIGITS_TEST_FRACTION = 0.2
CIFAR_HELP = (
    "Download the CIFAR 'python version' archive (cifar-10-python.tar.gz, "
    "or cifar-100-python.tar.gz) on a machine with internet, copy it to "
    "this machine and pass its folder with --data-dir DIR (the archive or "
    "its extracted folder both work)."
)


class DatasetUnavailableError(ValueError):
    """The dataset cannot be read or downloaded here."""


def list_datasets():
    return list(DATASETS)


def load_dataset(name, data_dir=None):
    """((x_train, y_train), (x_test, y_test)), uint8 NHWC, int64 labels."""
    if name not in DATASETS:
        raise ValueError(
            f"Unknown dataset {name!r}. Expected one of: {', '.join(DATASETS)}"
        )
    if name in ("cifar10", "cifar100"):
        if data_dir is not None:
            return load_cifar_files(name, data_dir)
        return _download_cifar(name)
    if name == "digits":
        return _load_digits()
    return make_synthetic()


def _download_cifar(name):
    import keras

    loader = getattr(keras.datasets, name)
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as error:  # offline: URLError, OSError, ...
        raise DatasetUnavailableError(
            f"Could not download {name} ({type(error).__name__}). "
            + CIFAR_HELP
        ) from None
    return ((x_train, y_train.reshape(-1).astype(np.int64)),
            (x_test, y_test.reshape(-1).astype(np.int64)))


def _load_digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # 0..16 grey levels -> 0..255, 8x8 -> 32x32 (each pixel 4x4), 3 channels.
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    images = images.repeat(4, axis=1).repeat(4, axis=2)
    images = np.repeat(images[..., None], 3, axis=-1)
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=DIGITS_TEST_FRACTION, stratify=labels,
        random_state=0,
    )
    return (x_train, y_train), (x_test, y_test)


def make_synthetic(train_size=512, test_size=128, num_classes=10,
                   image_size=32, seed=0):
    """Noisy images whose mean colour is set by the class: learnable."""
    rng = np.random.default_rng(seed)
    palette = rng.uniform(40, 215, size=(num_classes, 3))

    def split(size):
        labels = np.arange(size) % num_classes
        rng.shuffle(labels)
        noise = rng.normal(0, 30, size=(size, image_size, image_size, 3))
        images = palette[labels][:, None, None, :] + noise
        return np.clip(images, 0, 255).astype(np.uint8), labels.astype(
            np.int64)

    return split(train_size), split(test_size)


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


def standardize(x_train, x_test):
    """Float32 images standardized with training-set channel statistics.

    Returns (x_train, x_test, (mean, std)).
    """
    mean, std = channel_stats(x_train)
    std = np.where(std > 0, std, 1.0)

    def apply(x):
        return ((x.astype(np.float32) - mean) / std).astype(np.float32)

    return apply(x_train), apply(x_test), (mean, std)
