"""Checkpoint every epoch, atomically, so a killed run resumes exactly.

`RUN_DIR/checkpoint/` holds `epoch-NNNN.keras` (the training model: weights,
batch-norm statistics and the optimizer's iterations and momentum) and
`state.json` (the last completed epoch, the file that belongs to it and the
run tracker's state: history, best accuracy, clocks). Random-generator
state needs no saving: training reseeds every generator and the shuffle
from (seed, epoch) at the start of each epoch (`nin.training.loop`).

Order of writes at each epoch end: the model goes to a temp file, is
fsynced and renamed; then `state.json` is replaced the same way; only then
is the previous epoch's model removed. A kill at any instant therefore
leaves a `state.json` that names a complete model file.
"""

import json
from pathlib import Path

import keras

from callbacks.atomic import save_model_atomic, write_json_atomic

CHECKPOINT_DIR = "checkpoint"
STATE_FILE = "state.json"


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves model + optimizer + tracker state after every epoch."""

    def __init__(self, run_dir, tracker):
        super().__init__()
        self.directory = Path(run_dir) / CHECKPOINT_DIR
        self.tracker = tracker

    def on_epoch_end(self, epoch, logs=None):
        self.directory.mkdir(exist_ok=True)
        name = f"epoch-{epoch:04d}.keras"
        save_model_atomic(self.model, self.directory / name)
        write_json_atomic(self.directory / STATE_FILE, {
            "epoch": epoch, "model_file": name,
            "tracker": self.tracker.state_dict(),
        })
        for old in self.directory.glob("epoch-*.keras"):
            if old.name != name:
                old.unlink()


def read_checkpoint(run_dir):
    """(state dict, model path) of the last complete epoch, or None."""
    directory = Path(run_dir) / CHECKPOINT_DIR
    state_path = directory / STATE_FILE
    if not state_path.is_file():
        return None
    try:
        state = json.loads(state_path.read_text())
        model_path = directory / state["model_file"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"{state_path} is damaged ({error}); start the run again with "
            "--overwrite"
        ) from None
    if not model_path.is_file():
        raise ValueError(
            f"{state_path} names {model_path.name}, which is missing; start "
            "the run again with --overwrite"
        )
    return state, model_path
