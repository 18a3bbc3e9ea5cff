"""Read SVHN (cropped digits) from the official `.mat` files.

`train_32x32.mat` and `test_32x32.mat` hold `X`, uint8 of shape
(32, 32, 3, N), and `y`, shape (N, 1), with labels 1..10 where 10 stands
for the digit 0. We return NHWC images and labels 0..9 (10 -> 0). The
`extra_32x32.mat` set is not used (seed 003 trains on `train` only).
Files are read with `scipy.io.loadmat`, which never runs code.
"""

from pathlib import Path

import numpy as np

FILES = {"train": "train_32x32.mat", "test": "test_32x32.mat"}


class SvhnFormatError(ValueError):
    """An SVHN file is missing or not in the official format."""


def read_svhn_mat(path):
    """(images uint8 NHWC, labels int64 0..9) from one official file."""
    from scipy.io import loadmat

    try:
        contents = loadmat(path)
        images = np.asarray(contents["X"])
        labels = np.asarray(contents["y"]).reshape(-1).astype(np.int64)
    except Exception as error:  # any decoding problem is a format error
        raise SvhnFormatError(
            f"{path} is not an SVHN .mat file in the official format "
            f"({type(error).__name__}: {error})") from None
    if images.ndim != 4 or images.shape[:3] != (32, 32, 3) \
            or images.shape[3] != len(labels):
        raise SvhnFormatError(
            f"{path}: expected X of shape (32, 32, 3, N) and N labels, got "
            f"X {images.shape} and {len(labels)} labels")
    if labels.size and (labels.min() < 1 or labels.max() > 10):
        raise SvhnFormatError(
            f"{path}: labels must be 1..10 (10 is the digit 0); found "
            f"{labels.min()}..{labels.max()}")
    images = np.ascontiguousarray(images.transpose(3, 0, 1, 2))
    return images.astype(np.uint8), labels % 10


def load_svhn_files(data_dir):
    """((x_train, y_train), (x_test, y_test)) from `data_dir`."""
    paths = {split: Path(data_dir) / name for split, name in FILES.items()}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise SvhnFormatError(
            f"No SVHN data in {data_dir}: missing {', '.join(missing)}. "
            "Download train_32x32.mat and test_32x32.mat (the 'cropped "
            "digits' format) from the SVHN page and pass their folder with "
            "--data-dir DIR.")
    return read_svhn_mat(paths["train"]), read_svhn_mat(paths["test"])
