"""Read a run's per-epoch TensorBoard scalars, every point of them: the
one event reader of the toolkit (the lab report and the grader).

tensorboard's `EventAccumulator` keeps only a reservoir sample (10
tensors per tag by default); `size_guidance` 0 keeps every point, which
a curve and a check of "one point per epoch" need. Values written by
`tensorboard.summary` are tensors (`tensor_proto`); older
`tf.summary.scalar` files use `simple_value`, read too. A step written
twice keeps its last value; tensors of other plugins (the HParams
session that sits in `RUN/test`, histograms) are not scalars and are
left out. The grader passes `max_bytes`, so a student's oversized event
files are refused before they are parsed, and reads the wall times of
the events too (`read_wall_times`: when a run was trained, which a
copied run cannot change cheaply).
"""

from pathlib import Path

from callbacks.without_tensorflow import keep_tensorflow_out

SPLITS = ("train", "test")
SCALARS_PLUGIN = "scalars"


def _accumulator(folder, max_bytes):
    """A loaded EventAccumulator keeping every point, or None."""
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )

    keep_tensorflow_out()
    folder = Path(folder)
    if not folder.is_dir():
        return None
    if max_bytes is not None:
        size = sum(path.stat().st_size for path in folder.glob("events.*"))
        if size > max_bytes:
            raise ValueError(f"{folder.name}/ event files are too big "
                             f"({size} bytes > {max_bytes})")
    accumulator = EventAccumulator(
        str(folder), size_guidance={"tensors": 0, "scalars": 0})
    accumulator.Reload()
    return accumulator


def read_scalars(folder, max_bytes=None):
    """{tag: [(step, value), ...] sorted by step} of one event folder
    ({} when the folder does not exist)."""
    accumulator = _accumulator(folder, max_bytes)
    if accumulator is None:
        return {}
    tags = accumulator.Tags()
    by_tag = {}
    for tag in tags.get("tensors", []):
        plugin = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
        if plugin != SCALARS_PLUGIN:  # the HParams session, histograms
            continue
        by_tag[tag] = {int(event.step): _tensor_value(event.tensor_proto)
                       for event in accumulator.Tensors(tag)}
    for tag in tags.get("scalars", []):
        by_tag.setdefault(tag, {}).update({
            int(event.step): float(event.value)
            for event in accumulator.Scalars(tag)})
    return {tag: sorted(points.items()) for tag, points in by_tag.items()}


def read_wall_times(folder, max_bytes=None):
    """[first, last] wall time (seconds since 1970) of the scalar events
    in one event folder, or None when it has none."""
    accumulator = _accumulator(folder, max_bytes)
    if accumulator is None:
        return None
    tags = accumulator.Tags()
    times = [event.wall_time for tag in tags.get("tensors", [])
             if accumulator.SummaryMetadata(tag).plugin_data.plugin_name
             == SCALARS_PLUGIN for event in accumulator.Tensors(tag)]
    times += [event.wall_time for tag in tags.get("scalars", [])
              for event in accumulator.Scalars(tag)]
    return [min(times), max(times)] if times else None


def _tensor_value(proto):
    if proto.float_val:
        return float(proto.float_val[0])
    if proto.double_val:
        return float(proto.double_val[0])
    import numpy as np
    from tensorboard.util import tensor_util

    return float(np.asarray(tensor_util.make_ndarray(proto)).reshape(-1)[0])


def read_run_scalars(run_dir, max_bytes=None):
    """{"train/epoch_accuracy": [(step, value), ...], ...} for a run."""
    return {f"{split}/{tag}": points
            for split in SPLITS
            for tag, points in read_scalars(Path(run_dir) / split,
                                            max_bytes).items()}
