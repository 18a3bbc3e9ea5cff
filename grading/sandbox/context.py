"""What one sandboxed worker keeps for all the runs of one student.

- the test set, loaded and standardized with training-set statistics once
  (lazily: a submission that is refused never loads it); its raw pixels
  and those statistics too, for a student's own model, whose input
  convention the grader tries (`grading.models.preprocessing`);
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

    def __init__(self, dataset, data_dir, tolerance, precision="auto",
                 data=None):
        """`data`: ((x_train, y_train), (x_test, y_test)) already in
        memory (a benchmark's or a test's), instead of loading
        `dataset`."""
        self.dataset = dataset
        self.data_dir = data_dir
        self.tolerance = tolerance
        self.rng = np.random.default_rng(NUMPY_SEED)
        self.requested_precision = precision
        self._precision = None
        self._test = None
        self._data = data
        self._raw_test = self._statistics = None
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
            from nin.data import apply_standardization

            x_test, y_test = self.raw_test_set()
            mean, std = self.training_statistics()
            x_test = apply_standardization(x_test, mean, std)
            self._test = (np.ascontiguousarray(x_test, dtype="float32"),
                          y_test)
        return self._test

    def raw_test_set(self):
        """(x_test as loaded: pixels 0-255, y_test)."""
        self._load()
        return self._raw_test

    def training_statistics(self):
        """The training set's (mean, std) per channel, as training used."""
        self._load()
        return self._statistics

    def _load(self):
        if self._raw_test is not None:
            return
        from nin.data import load_dataset, training_statistics

        data = self._data
        if data is None:
            if self.dataset.startswith("cifar") and self.data_dir is None:
                raise ValueError("no --data-dir: the grader never downloads")
            data = load_dataset(self.dataset, self.data_dir)
        (x_train, _), (x_test, y_test) = data
        self._statistics = training_statistics(x_train)
        self._raw_test = (x_test, np.asarray(y_test).reshape(-1))
        self._data = None  # the training set is not kept

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
