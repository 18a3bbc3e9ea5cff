"""Datasets by name, as uint8 NHWC images and integer labels.

`load_dataset(name, data_dir=None, image_size=32)` returns
`((x_train, y_train), (x_test, y_test))`; each loader lives in its own
module and this one only dispatches:

- `cifar10`, `cifar100` (`cifar.py`): from `data_dir` (the official
  python-format archive or its extracted folder), else `keras.datasets`,
  which downloads once into ~/.keras/datasets.
- `mnist` (`mnist.py`): the official idx files from `data_dir`, else
  `keras.datasets.mnist`; 32x32x1 (grey, zero-padded from 28x28).
- `svhn` (`svhn.py`): `train_32x32.mat` / `test_32x32.mat` from
  `data_dir` (required); labels 0..9.
- `folder` (`image_folder.py`): one subfolder per class under `data_dir`
  (required), resized to `image_size`.
- `digits` (`digits.py`), `synthetic` (`synthetic.py`): offline, no
  files.

Offline with no files gives one `DatasetUnavailableError` saying how to
pass `--data-dir`. Grey sources (mnist, grey folders) keep 1 channel.
"""

import numpy as np

from nin.data.cifar import load_cifar_files
from nin.data.digits import load_digits_dataset
from nin.data.synthetic import make_synthetic
from nin.validation import choice

DATASETS = ("cifar10", "cifar100", "digits", "synthetic", "mnist", "svhn",
            "folder")
# None: the number of class folders found.
NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "digits": 10, "synthetic": 10,
               "mnist": 10, "svhn": 10, "folder": None}
DATA_DIR_DATASETS = ("cifar10", "cifar100", "mnist", "svhn", "folder")
DATA_DIR_REQUIRED = ("svhn", "folder")
CIFAR_HELP = (
    "Download the CIFAR 'python version' archive (cifar-10-python.tar.gz, "
    "or cifar-100-python.tar.gz) on a machine with internet, copy it to "
    "this machine and pass its folder with --data-dir DIR (the archive or "
    "its extracted folder both work)."
)
MNIST_HELP = (
    "Download the four MNIST idx files (train-images-idx3-ubyte.gz, "
    "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
    "t10k-labels-idx1-ubyte.gz) on a machine with internet, copy them to "
    "this machine and pass their folder with --data-dir DIR."
)

class DatasetUnavailableError(ValueError):
    """The dataset cannot be read or downloaded here."""


def list_datasets():
    return list(DATASETS)


def num_classes(name, *label_arrays):
    """Classes of dataset `name` (folder: counted from its labels)."""
    known = NUM_CLASSES[name]
    if known is not None:
        return known
    return int(max(int(labels.max()) for labels in label_arrays)) + 1


def load_dataset(name, data_dir=None, image_size=32):
    """((x_train, y_train), (x_test, y_test)), uint8 NHWC, int64 labels."""
    choice("dataset", name, DATASETS)
    if name in DATA_DIR_REQUIRED and data_dir is None:
        raise DatasetUnavailableError(
            f"Dataset {name!r} is read from files only: pass their folder "
            "with --data-dir DIR" + (
                " (train_32x32.mat and test_32x32.mat)" if name == "svhn"
                else " (one subfolder of images per class)"))
    if name in ("cifar10", "cifar100"):
        if data_dir is not None:
            return load_cifar_files(name, data_dir)
        return _download(name, CIFAR_HELP)
    if name == "mnist":
        from nin.data.mnist import convert_keras_mnist, load_mnist_files

        if data_dir is not None:
            return load_mnist_files(data_dir)
        return convert_keras_mnist(_download(name, MNIST_HELP, raw=True))
    if name == "svhn":
        from nin.data.svhn import load_svhn_files

        return load_svhn_files(data_dir)
    if name == "folder":
        from nin.data.image_folder import load_image_folder

        return load_image_folder(data_dir, image_size=image_size)
    if name == "digits":
        return load_digits_dataset()
    return make_synthetic()


def _download(name, help_text, raw=False):
    import keras

    loader = getattr(keras.datasets, name)
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as error:  # offline: URLError, OSError, ...
        raise DatasetUnavailableError(
            f"Could not download {name} ({type(error).__name__}). "
            + help_text
        ) from None
    if raw:
        return (x_train, y_train), (x_test, y_test)
    return ((x_train, y_train.reshape(-1).astype(np.int64)),
            (x_test, y_test.reshape(-1).astype(np.int64)))
