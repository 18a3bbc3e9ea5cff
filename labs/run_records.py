"""Read a finished, unfinished or missing run back from its folder.

`read_run(logdir, name, folder)` returns a `RunRecord`: the run's status,
its per-epoch curves read from the TensorBoard event files of `RUN/train`
and `RUN/test` (with tensorboard's `EventAccumulator`, every point kept),
`results.json` and `config.json` when they exist, and the numbers of seed
001's Table 2 computed from the curves:

- status `finished`, `diverged` (from `results.json`), `unfinished` (a
  folder without `results.json`: running, stopped or crashed) or `missing`
  (no folder);
- final and best test accuracy, the epoch of the best (from 0, as
  TensorBoard steps), final train and test loss, epochs, wall time.

A step written twice (a resumed run repeats epochs) keeps its last value.
"""

import dataclasses
import json
import math
from pathlib import Path
from typing import Optional

from tensorboard.backend.event_processing.event_accumulator import (
    SCALARS,
    TENSORS,
    EventAccumulator,
)
from tensorboard.util import tensor_util

SPLITS = ("train", "test")
KEEP_EVERY_POINT = {SCALARS: 0, TENSORS: 0}


def read_scalars(directory):
    """{tag: [(step, value), ...]} of an event-file folder, by step.

    Reads scalars written as tensors (`tensorboard.summary.Writer`, Keras
    3) and as legacy simple values; {} when the folder does not exist.
    """
    if not Path(directory).is_dir():
        return {}
    accumulator = EventAccumulator(str(directory), KEEP_EVERY_POINT)
    accumulator.Reload()
    tags = accumulator.Tags()
    by_tag = {}
    for tag in tags.get(TENSORS, []):
        by_tag[tag] = {
            event.step: float(tensor_util.make_ndarray(event.tensor_proto))
            for event in accumulator.Tensors(tag)
        }
    for tag in tags.get(SCALARS, []):
        by_tag[tag] = {event.step: float(event.value)
                       for event in accumulator.Scalars(tag)}
    return {tag: sorted(points.items()) for tag, points in by_tag.items()}


def _read_json(path):
    return json.loads(path.read_text()) if path.exists() else None


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
    results = _read_json(run_dir / "results.json")
    config = _read_json(run_dir / "config.json")
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
        if path.is_dir() and (path / "config.json").exists()
        and path.name not in known_folders and ".old-" not in path.name
    )
