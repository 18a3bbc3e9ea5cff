"""Read MNIST from the official idx files, or through `keras.datasets`.

The official files (`train-images-idx3-ubyte.gz`,
`train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
`t10k-labels-idx1-ubyte.gz`, gzipped or not) are big-endian: a magic
number (0x00000803 for images, 0x00000801 for labels), one uint32 per
dimension, then the uint8 data.

Images keep their single grey channel and are zero-padded by 2 pixels on
each side to 32x32x1: seed 003's models take "a 32x32 color or grayscale
image", and padding (not resizing) keeps every pixel as it was.
"""

import gzip
from pathlib import Path

import numpy as np

MNIST_PAD = 2
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801


class IdxFormatError(ValueError):
    """An MNIST file is missing, truncated or not in the idx format."""


def read_idx(path, magic):
    """The array stored in one idx file (gzipped or plain)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            payload = handle.read()
    except (OSError, EOFError) as error:
        raise IdxFormatError(f"{path} is not readable ({error})") from None
    dimensions = magic & 0xFF
    header_size = 4 + 4 * dimensions
    if len(payload) < header_size or \
            int.from_bytes(payload[:4], "big") != magic:
        raise IdxFormatError(
            f"{path} is not an idx file with magic number {magic:#010x}")
    shape = tuple(int.from_bytes(payload[4 + 4 * i:8 + 4 * i], "big")
                  for i in range(dimensions))
    data = np.frombuffer(payload, np.uint8, offset=header_size)
    if data.size != int(np.prod(shape)):
        raise IdxFormatError(
            f"{path}: header says shape {shape} ({int(np.prod(shape))} "
            f"values) but holds {data.size} values")
    return data.reshape(shape)


def _find(data_dir, stem):
    for name in (f"{stem}.gz", stem):
        if (Path(data_dir) / name).is_file():
            return Path(data_dir) / name
    raise IdxFormatError(
        f"No MNIST file {stem}.gz (or {stem}) in {data_dir}; expected the "
        f"four official idx files: {', '.join(FILES.values())}")


def to_32x32(images):
    """(N, 28, 28) uint8 -> (N, 32, 32, 1), zero-padded, one channel."""
    padding = ((0, 0), (MNIST_PAD, MNIST_PAD), (MNIST_PAD, MNIST_PAD))
    return np.pad(images, padding)[..., None]


def load_mnist_files(data_dir):
    """((x_train, y_train), (x_test, y_test)) from the idx files."""
    arrays = {
        key: read_idx(_find(data_dir, stem),
                      IMAGES_MAGIC if key.endswith("images")
                      else LABELS_MAGIC)
        for key, stem in FILES.items()
    }
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if len(images) != len(labels):
            raise IdxFormatError(
                f"MNIST {split}: {len(images)} images but {len(labels)} "
                "labels")
    return ((to_32x32(arrays["train_images"]),
             arrays["train_labels"].astype(np.int64)),
            (to_32x32(arrays["test_images"]),
             arrays["test_labels"].astype(np.int64)))


def convert_keras_mnist(loaded):
    """`keras.datasets.mnist.load_data()` output in the same layout."""
    (x_train, y_train), (x_test, y_test) = loaded
    return ((to_32x32(x_train), y_train.astype(np.int64)),
            (to_32x32(x_test), y_test.astype(np.int64)))
