"""What a finished study run says: its results.json and its seconds of
training per epoch (epoch 0 includes graph compilation, so the median of
the later epochs; epoch 0 only if it is all there is)."""

import statistics

from nin.training.run_folder import read_results as read_run_results


def read_results(run):
    """results.json of a StudyRun, or None while it is not finished."""
    return read_run_results(run.run_dir)


def seconds_per_epoch(results):
    times = [entry.get("epoch_train_s") for entry in results["history"]]
    times = [t for t in times if t is not None]
    later = times[1:] or times
    return statistics.median(later) if later else None
