"""HParams dashboard entries for a run, written without TensorFlow.

`write_hparams(folder, hparams, trial_id)` writes one event file into
`folder` holding an HParams session start with the given values (a run's
are its activation, BN, WI, model, dataset, seed, width, epochs and LR:
`RunConfig.hparams()`), as trial `trial_id` (the run's name).

Training writes it into the run's evaluation folder (`RUN_DIR/test`, or
`RUN_DIR/validation`), beside that split's scalars: TensorBoard then
lists every run in the HParams table with its final test accuracy and
loss (the last point of each scalar there), and its run selector shows
each run's train and test curves and nothing else. (A file at the run's
root made the root a third, empty run in the selector, `BN` beside
`BN/train` and `BN/test`; old runs keep theirs there.)

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

from callbacks.tensorboard import HPARAMS_SUFFIX
from callbacks.without_tensorflow import keep_tensorflow_out


def write_hparams(run_dir, hparams, trial_id=None, start_time=None):
    """Write `hparams` ({name: bool, int, float or str}) into `run_dir`,
    as trial `trial_id`: the name the HParams table shows in its Trial ID
    column (the run's name; TensorBoard's default is a hash of the
    values, which no student can read).

    Called at the start of a run; a resumed run writing them again
    records the same values.
    """
    keep_tensorflow_out()
    start_time = time.time() if start_time is None else start_time
    summary = hp.hparams_pb(hparams, trial_id=trial_id,
                            start_time_secs=start_time)
    writer = EventFileWriter(str(run_dir), filename_suffix=HPARAMS_SUFFIX)
    try:
        writer.add_event(event_pb2.Event(wall_time=start_time, step=0,
                                         summary=summary))
    finally:
        writer.close()
    return hparams
