"""HParams dashboard entries for a run, written without TensorFlow.

`write_hparams(run_dir, hparams)` writes one event file into `RUN_DIR/`
holding this run's HParams session start with the given values (a run's
are its activation, BN, WI, model, dataset, seed, width, epochs and LR:
`RunConfig.hparams()`). TensorBoard's HParams dashboard then
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


def write_hparams(run_dir, hparams, start_time=None):
    """Write `hparams` ({name: bool, int, float or str}) into `run_dir`.

    Called at the start of a run; a resumed run writing them again
    records the same values.
    """
    start_time = time.time() if start_time is None else start_time
    summary = hp.hparams_pb(hparams, start_time_secs=start_time)
    writer = EventFileWriter(str(run_dir), filename_suffix=".hparams")
    try:
        writer.add_event(event_pb2.Event(wall_time=start_time, step=0,
                                         summary=summary))
    finally:
        writer.close()
    return hparams
