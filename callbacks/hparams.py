"""HParams dashboard entries for a run, written without TensorFlow.

`write_hparams(run_dir, config)` writes one event file into `RUN_DIR/`
holding the HParams plugin's experiment description and this run's
session start (its hyperparameters). TensorBoard's HParams dashboard then
lists every run of a log folder with its activation, BN, WI, model,
dataset, seed, width, epochs and LR, next to the final test and train
accuracy and loss, which it reads from the last `epoch_*` point of
`RUN_DIR/test` and `RUN_DIR/train`; a student can sort and filter the grid
there.

The summaries are built by `tensorboard.plugins.hparams.summary_v2`'s
`hparams_pb` / `hparams_config_pb` (plain protos) and written with
tensorboard's `EventFileWriter`: numpy only, no TensorFlow, so this works
with every Keras backend. Every run carries the same experiment
description, so a folder of runs trained one by one shows one table.
"""

import time

from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.hparams import summary_v2 as hp
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from nin.activations import ACTIVATION_LABELS
from nin.data import DATASETS
from nin.registry import list_models

# (group = sub-folder of the run, tag, name shown in the dashboard)
METRICS = (
    ("test", "epoch_accuracy", "test accuracy"),
    ("test", "epoch_loss", "test loss"),
    ("train", "epoch_accuracy", "train accuracy"),
    ("train", "epoch_loss", "train loss"),
)


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


def experiment_hparams():
    """The hyperparameter columns, with the choices of the discrete ones."""
    labels = sorted(activation_label(name) for name in ACTIVATION_LABELS)
    return [
        hp.HParam("activation", hp.Discrete(labels)),
        hp.HParam("BN", hp.Discrete([False, True]),
                  description="batch normalization"),
        hp.HParam("WI", hp.Discrete([False, True]),
                  description="He weight initialization"),
        hp.HParam("model", hp.Discrete(sorted(list_models()))),
        hp.HParam("dataset", hp.Discrete(sorted(DATASETS))),
        hp.HParam("seed"),
        hp.HParam("width", description="channel-count multiplier"),
        hp.HParam("epochs"),
        hp.HParam("lr", description="initial learning rate"),
    ]


def experiment_metrics():
    return [hp.Metric(tag, group=group, display_name=display_name)
            for group, tag, display_name in METRICS]


def write_hparams(run_dir, config, start_time=None):
    """Write the experiment and this run's hyperparameters into `run_dir`.

    Returns the hyperparameter dict written. Called at the start of a run;
    a resumed run writing it again records the same values.
    """
    start_time = time.time() if start_time is None else start_time
    hparams = hparams_for(config)
    summaries = [
        hp.hparams_config_pb(experiment_hparams(), experiment_metrics(),
                             time_created_secs=start_time),
        hp.hparams_pb(hparams, start_time_secs=start_time),
    ]
    writer = EventFileWriter(str(run_dir), filename_suffix=".hparams")
    try:
        for summary in summaries:
            writer.add_event(event_pb2.Event(
                wall_time=start_time, step=0, summary=summary))
    finally:
        writer.close()
    return hparams
