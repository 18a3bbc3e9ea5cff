"""What one sandboxed worker keeps for all the runs of one student.

- the test set, loaded and standardized with training-set statistics once
  (lazily: a submission that is refused never loads it);
- one compiled inference graph per architecture (`grading.models.inference`):
  runs that differ only in their initialization (None and WI, BN and
  BN+WI, ...) share one, their weights copied in;
- the precision of re-measurement: "auto" is bf16 where the hardware
  computes it natively (`nin.training.runtime.resolve_precision`), the
  accuracy kept float32's by `grading.models.remeasure.recheck`;
- the batch size: the largest the worker's memory limit allows for the
  architecture, up to `MAX_BATCH` (larger batches measured no faster on
  a 2-core CPU: docs/grading.md).
"""

import resource

import numpy as np

from grading.sandbox.machine import available_megabytes, process_megabytes

NUMPY_SEED = 0
MAX_BATCH = 256
MIN_BATCH = 8
# Bytes per image at the widest layer: its input and output in float32,
# and as much again for oneDNN's reordered copies and scratch.
BYTES_PER_VALUE = 4 * 4
MEMORY_SHARE = 0.5  # of the address space still free under the limit
PRECISIONS = ("auto", "bf16", "fp32")
DEFAULT_FREE_MB = 4096  # where /proc cannot say


class Context:
    """The test set, compiled predictors and settings of one worker."""

    def __init__(self, dataset, data_dir, tolerance, precision="auto"):
        self.dataset = dataset
        self.data_dir = data_dir
        self.tolerance = tolerance
        self.rng = np.random.default_rng(NUMPY_SEED)
        self.requested_precision = precision
        self._precision = None
        self._test = None
        self._predictors = {}

    @property
    def num_classes(self):
        from nin.data import NUM_CLASSES

        return NUM_CLASSES[self.dataset]

    @property
    def precision(self):
        """"bf16" or "fp32", decided on first use."""
        if self._precision is None:
            from nin.training.runtime import resolve_precision

            self._precision = resolve_precision(self.requested_precision)
        return self._precision

    def test_set(self):
        """(x_test standardized with training statistics, y_test)."""
        if self._test is None:
            from nin.data import (
                apply_standardization,
                load_dataset,
                training_statistics,
            )

            if self.dataset.startswith("cifar") and self.data_dir is None:
                raise ValueError("no --data-dir: the grader never downloads")
            (x_train, _), (x_test, y_test) = load_dataset(
                self.dataset, self.data_dir)
            mean, std = training_statistics(x_train)
            x_test = apply_standardization(x_test, mean, std)
            self._test = (np.ascontiguousarray(x_test, dtype="float32"),
                          np.asarray(y_test).reshape(-1))
        return self._test

    def predictor(self, architecture, model):
        """The compiled predictor of `architecture` (made from `model` the
        first time)."""
        from grading.models.inference import make_predictor

        if architecture not in self._predictors:
            self._predictors[architecture] = make_predictor(model)
        return self._predictors[architecture]

    def batch_size(self, predictor):
        """The largest batch the memory limit allows, within bounds."""
        per_image = predictor.largest_layer * BYTES_PER_VALUE
        fitting = int(MEMORY_SHARE * free_address_space() // per_image)
        return max(MIN_BATCH, min(MAX_BATCH, fitting))


def free_address_space():
    """Bytes this process may still map: its address-space limit minus
    what it maps now, or the machine's available memory if unlimited."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return (available_megabytes() or DEFAULT_FREE_MB) << 20
    used = process_megabytes("VmSize") or 0
    return max(0, limit - (used << 20))
