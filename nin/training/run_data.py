"""The arrays one run trains and evaluates on, prepared from its config.

1. load the dataset (`nin.data.load_dataset`);
2. with `validation_split` > 0, hold out that fraction of the training
   set (fixed stratified split, `nin.data.splits`): it is evaluated after each
   epoch and steers the plateau schedule and early stopping, and the test
   set is evaluated once, at the end (seed 003's protocol). Without it the
   test set is evaluated after each epoch (seed 001's lab);
3. in sanity mode (`overfit_batches` N, seed 002) keep only the first
   N * batch_size training images;
4. standardize with statistics of the training images actually used;
5. for PCA lighting, compute the RGB eigen-basis of those images.

The same function serves training and `nin.evaluation.ensemble`, so a
run's test set is always prepared exactly as it was when it was trained.
"""

import dataclasses
from typing import Optional, Tuple

import numpy as np

from nin.data import (
    apply_standardization,
    load_dataset,
    num_classes,
    standardize,
)
from nin.data.splits import stratified_split
from nin.layers.pca_lighting import pca_lighting_basis


@dataclasses.dataclass
class RunData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_eval: np.ndarray  # evaluated after every epoch
    y_eval: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    eval_split: str  # "validation" or "test"
    mean: np.ndarray  # per-channel standardization statistics, 0-255
    std: np.ndarray
    num_classes: int
    lighting_basis: Optional[Tuple[np.ndarray, np.ndarray]] = None

    def record(self):
        """What config.json records about the data."""
        record = {
            "train_size": len(self.x_train), "test_size": len(self.x_test),
            "channel_mean": self.mean.round(4).tolist(),
            "channel_std": self.std.round(4).tolist(),
            "num_classes": self.num_classes,
            "evaluated_each_epoch_on": self.eval_split,
        }
        if self.eval_split == "validation":
            record["validation_size"] = len(self.x_eval)
        if self.lighting_basis is not None:
            values, vectors = self.lighting_basis
            record["pca_eigenvalues"] = values.tolist()
            record["pca_eigenvectors"] = vectors.tolist()
        return record


def prepare_data(config):
    """A `RunData` for `config` (a `nin.training.config.RunConfig`)."""
    (x_train, y_train), (x_test, y_test) = load_dataset(
        config.dataset, config.data_dir, image_size=config.image_size)
    classes = num_classes(config.dataset, y_train, y_test)
    validation = None
    if config.validation_split > 0:
        (x_train, y_train), validation = stratified_split(
            x_train, y_train, config.validation_split)
    if config.overfit_batches:
        count = config.overfit_batches * config.batch_size
        if count > len(x_train):
            raise ValueError(
                f"overfit_batches={config.overfit_batches} x batch_size="
                f"{config.batch_size} = {count} images, but the training "
                f"set has only {len(x_train)}")
        x_train, y_train = x_train[:count], y_train[:count]
    basis = pca_lighting_basis(x_train) if config.pca_lighting else None
    x_train_std, x_test_std, (mean, std) = standardize(
        x_train, x_test, config.standardization)
    if validation is None:
        x_eval, y_eval, split = x_test_std, y_test, "test"
    else:
        x_eval = apply_standardization(validation[0], mean, std)
        y_eval, split = validation[1], "validation"
    return RunData(x_train_std, y_train, x_eval, y_eval, x_test_std, y_test,
                   split, mean, std, classes, basis)
