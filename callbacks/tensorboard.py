"""Per-epoch TensorBoard scalars, written without TensorFlow.

`tensorboard.summary.Writer` only needs numpy, so this works with every
Keras backend (the JAX GPU machine has no TensorFlow). Layout, as Keras's
own TensorBoard callback lays it out so that train and test share a chart:

    RUN_DIR/train/  epoch_loss, epoch_accuracy, learning_rate
    RUN_DIR/test/   epoch_loss, epoch_accuracy   (from `val_*` logs)

(`RUN_DIR/validation/` instead of `test/` when a run holds out a
validation set and evaluates the test set only at the end.)

The step is the epoch, counted from 0 as in seed 001's figures. Training
runs one `fit` per epoch, so the writers stay open across `fit` calls and
are closed by `close()`. A resumed run `clear()`s the event files and
`replay()`s its checkpointed history with the original wall times.
"""

import os
from pathlib import Path

import keras
import numpy as np
from tensorboard.summary import Writer

from callbacks.without_tensorflow import keep_tensorflow_out

UNPREFIXED = ("learning_rate",)
SPLITS = ("train", "test", "validation")
NOT_LOGGED = ("epoch", "wall_time", "epoch_train_s")  # history bookkeeping
HPARAMS_SUFFIX = ".hparams"  # callbacks.hparams's file, beside the scalars


def split_logs(logs, eval_split="test"):
    """{'train': {tag: value}, 'test': {tag: value}} from Keras epoch logs
    (`val_*` go to `eval_split`: "test", or "validation" for a hold-out)."""
    groups = {"train": {}, eval_split: {}}
    for key, value in (logs or {}).items():
        if key in UNPREFIXED:
            groups["train"][key] = value
        elif key.startswith("val_"):
            groups[eval_split][f"epoch_{key[4:]}"] = value
        else:
            groups["train"][f"epoch_{key}"] = value
    return groups


class EpochTensorBoard(keras.callbacks.Callback):
    """Writes train and test metrics and the LR once per epoch."""

    def __init__(self, log_dir, eval_split="test"):
        super().__init__()
        keep_tensorflow_out()
        self.log_dir = str(log_dir)
        self.eval_split = eval_split
        self.writers = {}

    def _writer(self, split):
        if split not in self.writers:
            self.writers[split] = Writer(os.path.join(self.log_dir, split))
        return self.writers[split]

    def on_epoch_end(self, epoch, logs=None, wall_time=None):
        for split, scalars in split_logs(logs, self.eval_split).items():
            for tag, value in scalars.items():
                self._writer(split).add_scalar(
                    tag, float(np.asarray(value)), step=epoch,
                    wall_time=wall_time,
                )
            if scalars:
                self._writer(split).flush()

    def replay(self, history):
        """Write the epochs of a resumed run's history again, exactly."""
        for entry in history:
            logs = {k: v for k, v in entry.items() if k not in NOT_LOGGED}
            self.on_epoch_end(entry["epoch"], logs,
                              wall_time=entry.get("wall_time"))

    def clear(self):
        """Delete this run's scalar event files (before a resumed run
        rewrites them from its checkpointed history, so no step appears
        twice); the HParams file (`*.hparams`) stays."""
        self.close()
        for split in SPLITS:
            for path in Path(self.log_dir, split).glob("events.out.*"):
                if not path.name.endswith(HPARAMS_SUFFIX):
                    path.unlink()

    def close(self):
        for writer in self.writers.values():
            writer.close()
        self.writers = {}
