"""Every dataset loader, standardization and split:

    catalog.py       load_dataset(name): the datasets by name, dispatch
    cifar.py         CIFAR-10/100 official python files (safe unpickler);
                     writes random data in the same format (tests, bench)
    mnist.py         MNIST idx files, padded to 32x32x1
    svhn.py          SVHN .mat files
    image_folder.py  one subfolder of images per class
    digits.py        scikit-learn's digits, offline (the default demo)
    synthetic.py     random coloured images, for tests
    splits.py        the fixed stratified split (folders, validation)
    standardize.py   per-channel / global standardization, training stats
"""

from nin.data.catalog import (
    DATA_DIR_DATASETS,
    DATASETS,
    NUM_CLASSES,
    DatasetUnavailableError,
    list_datasets,
    load_dataset,
    num_classes,
)
from nin.data.standardize import (
    STANDARDIZATIONS,
    apply_standardization,
    channel_stats,
    standardize,
    training_statistics,
)
from nin.data.synthetic import make_synthetic

__all__ = ["DATASETS", "DATA_DIR_DATASETS", "NUM_CLASSES",
           "STANDARDIZATIONS", "DatasetUnavailableError",
           "apply_standardization", "channel_stats", "list_datasets",
           "load_dataset", "make_synthetic", "num_classes", "standardize",
           "training_statistics"]
