"""Per-epoch TensorBoard scalars, written without TensorFlow.

`tensorboard.summary.Writer` only needs numpy, so this works with every
Keras backend (the JAX GPU machine has no TensorFlow). Layout, as Keras's
own TensorBoard callback lays it out so that train and test share a chart:

    RUN_DIR/train/  epoch_loss, epoch_accuracy, learning_rate
    RUN_DIR/test/   epoch_loss, epoch_accuracy   (from `val_*` logs)

The step is the epoch, counted from 0 as in seed 001's figures.
"""

import os

import keras
import numpy as np
from tensorboard.summary import Writer

UNPREFIXED = ("learning_rate",)


def split_logs(logs):
    """{'train': {tag: value}, 'test': {tag: value}} from Keras epoch logs."""
    groups = {"train": {}, "test": {}}
    for key, value in (logs or {}).items():
        if key in UNPREFIXED:
            groups["train"][key] = value
        elif key.startswith("val_"):
            groups["test"][f"epoch_{key[4:]}"] = value
        else:
            groups["train"][f"epoch_{key}"] = value
    return groups


class EpochTensorBoard(keras.callbacks.Callback):
    """Writes train and test metrics and the LR once per epoch."""

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = str(log_dir)
        self.writers = {}

    def _writer(self, split):
        if split not in self.writers:
            self.writers[split] = Writer(os.path.join(self.log_dir, split))
        return self.writers[split]

    def on_epoch_end(self, epoch, logs=None):
        for split, scalars in split_logs(logs).items():
            for tag, value in scalars.items():
                self._writer(split).add_scalar(
                    tag, float(np.asarray(value)), step=epoch
                )
            if scalars:
                self._writer(split).flush()

    def on_train_end(self, logs=None):
        self.close()

    def close(self):
        for writer in self.writers.values():
            writer.close()
        self.writers = {}
