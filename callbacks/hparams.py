"""HParams dashboard entries for a run, written without TensorFlow.

`write_hparams(run_dir, config)` writes one event file into `RUN_DIR/`
holding this run's HParams session start: its activation, BN, WI, model,
dataset, seed, width, epochs and LR. TensorBoard's HParams dashboard then
lists every run of a log folder with these, next to the final test and
train accuracy and loss (and LR), which it reads from the last point of
each scalar of `RUN_DIR/test` and `RUN_DIR/train`; a student can sort and
filter the grid there.

No experiment summary is written: TensorBoard builds the experiment from
the runs it finds, so it knows which hyperparameters differ across the
runs (those columns come first) and their values' ranges, whichever runs
a log folder gathers.

The summary is built by `tensorboard.plugins.hparams.summary_v2`'s
`hparams_pb` (a plain proto) and written with tensorboard's
`EventFileWriter`: numpy only, no TensorFlow, so this works with every
Keras backend.
"""

import time

from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.hparams import summary_v2 as hp
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from nin.activations import ACTIVATION_LABELS


def activation_label(activation):
    """`ELU`, `LReLU`, ...; ReLU, unnamed in run names, is `ReLU` here."""
    return ACTIVATION_LABELS[activation] or "ReLU"


def hparams_for(config):
    """The run's hyperparameters as the HParams dashboard lists them."""
    return {
        "activation": activation_label(config.activation),
        "BN": bool(config.batch_norm),
        "WI": bool(config.he_init),
        "model": config.model,
        "dataset": config.dataset,
        "seed": int(config.seed),
        "width": float(config.width),
        "epochs": int(config.epochs),
        "lr": float(config.lr),
    }


def write_hparams(run_dir, config, start_time=None):
    """Write this run's hyperparameters into `run_dir`; returns them.

    Called at the start of a run; a resumed run writing them again
    records the same values.
    """
    start_time = time.time() if start_time is None else start_time
    hparams = hparams_for(config)
    summary = hp.hparams_pb(hparams, start_time_secs=start_time)
    writer = EventFileWriter(str(run_dir), filename_suffix=".hparams")
    try:
        writer.add_event(event_pb2.Event(wall_time=start_time, step=0,
                                         summary=summary))
    finally:
        writer.close()
    return hparams
