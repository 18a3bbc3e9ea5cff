"""Read a finished, unfinished or missing run back from its folder.

`read_run(logdir, name, folder)` returns a `RunRecord`: the run's status,
its per-epoch curves read from the TensorBoard event files of `RUN/train`
and `RUN/test` (`nin.report.events`, every point kept), `results.json`
and `config.json` when they exist, and the numbers of seed 001's Table 2
computed from the curves:

- status `finished`, `diverged` (from `results.json`), `unfinished` (a
  folder without `results.json`: running, stopped or crashed) or `missing`
  (no folder);
- final and best test accuracy, the epoch of the best (from 0, as
  TensorBoard steps), final train and test loss, epochs, wall time.
"""

import dataclasses
import math
from pathlib import Path
from typing import Optional

from nin.report.events import SPLITS, read_scalars
from nin.training.run_folder import CONFIG_FILE, read_config, read_results


@dataclasses.dataclass
class RunRecord:
    name: str
    run_dir: Path
    status: str
    curves: dict  # {"train"|"test": {tag: [(step, value), ...]}}
    results: Optional[dict] = None
    config: Optional[dict] = None

    def curve(self, split, tag):
        return self.curves.get(split, {}).get(tag, [])

    def final(self, split, tag):
        points = self.curve(split, tag)
        return points[-1][1] if points else None

    def best_test_accuracy(self):
        """(accuracy, epoch) of the best finite test accuracy, or None."""
        points = [(value, step) for step, value
                  in self.curve("test", "epoch_accuracy")
                  if math.isfinite(value)]
        if not points:
            return None
        best = max(value for value, _ in points)
        return best, min(step for value, step in points if value == best)

    @property
    def epochs(self):
        if self.results is not None:
            return self.results.get("epochs")
        steps = {step for split in SPLITS
                 for step, _ in self.curve(split, "epoch_loss")}
        return len(steps) if steps else None

    @property
    def diverged(self):
        if self.results is not None:
            return bool(self.results.get("diverged"))
        losses = [value for split in SPLITS
                  for _, value in self.curve(split, "epoch_loss")]
        return any(not math.isfinite(value) for value in losses)

    @property
    def wall_time_s(self):
        return (self.results or {}).get("wall_time_s")


def read_run(logdir, name, folder=None):
    """The `RunRecord` of run `name`, stored in `logdir/folder`."""
    run_dir = Path(logdir) / (folder or name)
    if not run_dir.is_dir():
        return RunRecord(name, run_dir, "missing", {})
    curves = {split: read_scalars(run_dir / split) for split in SPLITS}
    results = read_results(run_dir)
    config = read_config(run_dir)
    if results is None:
        status = "unfinished"
    else:
        status = "diverged" if results.get("diverged") else "finished"
    return RunRecord(name, run_dir, status, curves, results, config)


def other_run_folders(logdir, known_folders):
    """Run folders in `logdir` beyond `known_folders`, sorted.

    A run folder holds `config.json`; folders a run was moved aside into
    (`NAME.old-DATE`) are left out.
    """
    return sorted(
        path.name for path in Path(logdir).iterdir()
        if path.is_dir() and (path / CONFIG_FILE).exists()
        and path.name not in known_folders and ".old-" not in path.name
    )
