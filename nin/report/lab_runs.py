"""The ten runs of seed 001's results section, as data.

The 2x2x2 grid (ReLU/ELU x BN x WI) plus LReLU+BN+WI and Maxout+BN+WI, in
the order `labs/grid.py` trains them, with seed 001's reference numbers
(CIFAR-10, 164 epochs): Table 2's test accuracy, the final train and test
loss of Figures 4 and 6, and the training time on the report's GPU.
LReLU+BN+WI's 90.91% is from the report's "Other experiments" (the spec's
"about 90.9" rounds it; the seed is the primary source). The report's
author could not get Maxout to work, so it has no reference numbers.

Each run's name is the one rule of `nin.training.config.run_name`;
`folder(model)` is where a run of another model (`--model vgg`) lives.
"""

import dataclasses
from typing import Optional

from nin.training.config import DEFAULT_MODEL, run_name


@dataclasses.dataclass(frozen=True)
class LabRun:
    activation: str
    batch_norm: bool
    he_init: bool
    reference_accuracy: Optional[float] = None  # percent, seed 001
    reference_train_loss: Optional[float] = None
    reference_test_loss: Optional[float] = None
    reference_time_s: Optional[int] = None  # on the report's GPU

    @property
    def name(self):
        """The legend name (`ELU+BN+WI`), which is also its folder."""
        return run_name(self.activation, self.batch_norm, self.he_init)

    def folder(self, model=DEFAULT_MODEL):
        """The run's folder under LOGDIR for `model`'s runs."""
        return run_name(self.activation, self.batch_norm, self.he_init,
                        model)

    def lab4_args(self):
        """The `labs/lab4.py` options that select this run."""
        return ["--act", self.activation,
                "--bn" if self.batch_norm else "--no-bn",
                "--wi" if self.he_init else "--no-wi"]


def _hms(hours, minutes, seconds):
    return 3600 * hours + 60 * minutes + seconds


LAB_RUNS = (
    # activation, BN, WI, Table 2's accuracy (%), final train and test
    # loss, time on the report's GPU; the name follows from the first three
    # None
    LabRun("relu", False, False, 90.50, 0.2920, 0.5027,
           _hms(1, 33, 54)),
    # WI
    LabRun("relu", False, True, 90.49, 0.2901, 0.5227,
           _hms(1, 33, 51)),
    # BN
    LabRun("relu", True, False, 91.13, 0.1722, 0.4280,
           _hms(2, 58, 58)),
    # BN+WI
    LabRun("relu", True, True, 90.98, 0.1706, 0.4328,
           _hms(2, 58, 48)),
    # ELU
    LabRun("elu", False, False, 90.76, 0.2973, 0.5448,
           _hms(1, 34, 49)),
    # ELU+WI
    LabRun("elu", False, True, 90.94, 0.3027, 0.5519,
           _hms(1, 34, 47)),
    # ELU+BN
    LabRun("elu", True, False, 91.34, 0.1383, 0.3898,
           _hms(2, 59, 45)),
    # ELU+BN+WI
    LabRun("elu", True, True, 91.67, 0.1365, 0.3765,
           _hms(2, 59, 54)),
    # LReLU+BN+WI
    LabRun("lrelu", True, True, 90.91,
           reference_time_s=_hms(3, 50, 0)),
    # Maxout+BN+WI
    LabRun("maxout", True, True),
)

RUN_NAMES = tuple(run.name for run in LAB_RUNS)


def lab_run(name):
    """The `LabRun` called `name` (a legend name such as `ELU+BN+WI`)."""
    for run in LAB_RUNS:
        if run.name == name:
            return run
    raise ValueError(
        f"Unknown lab run {name!r}. Expected one of: {', '.join(RUN_NAMES)}"
    )


def select_runs(names_text):
    """The runs named in a comma-separated list, in grid order.

    `select_runs("ELU+BN+WI,None")` -> (None, ELU+BN+WI); an empty or
    unknown name raises a `ValueError` saying which names exist.
    """
    names = [name.strip() for name in names_text.split(",")]
    if not all(names):
        raise ValueError(
            f"Expected run names separated by commas. Received: "
            f"{names_text!r}"
        )
    wanted = {lab_run(name).name for name in names}
    return tuple(run for run in LAB_RUNS if run.name in wanted)
