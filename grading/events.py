"""Read a run's per-epoch TensorBoard scalars, all of them.

`EventAccumulator` keeps only a reservoir sample (10 tensors per tag by
default); `size_guidance={"tensors": 0}` keeps every point, which a check
of "one point per epoch" needs. Values written by `tensorboard.summary`
are tensors (`tensor_proto`); older `tf.summary.scalar` files use
`simple_value`, read too. Event folders over `max_bytes` are refused.
"""

from pathlib import Path

EVENT_MAX_BYTES = 64 << 20
SPLITS = ("train", "test")


def read_split(folder, max_bytes=EVENT_MAX_BYTES):
    """{tag: {step: value}} for one event folder ({} when absent)."""
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )

    folder = Path(folder)
    if not folder.is_dir():
        return {}
    size = sum(path.stat().st_size for path in folder.glob("events.*"))
    if size > max_bytes:
        raise ValueError(f"{folder.name}/ event files are too big "
                         f"({size} bytes > {max_bytes})")
    accumulator = EventAccumulator(
        str(folder), size_guidance={"tensors": 0, "scalars": 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    scalars = {}
    for tag in tags.get("tensors", []):
        scalars[tag] = {
            int(event.step): _tensor_value(event.tensor_proto)
            for event in accumulator.Tensors(tag)
        }
    for tag in tags.get("scalars", []):
        scalars.setdefault(tag, {}).update({
            int(event.step): float(event.value)
            for event in accumulator.Scalars(tag)
        })
    return scalars


def _tensor_value(proto):
    if proto.float_val:
        return float(proto.float_val[0])
    if proto.double_val:
        return float(proto.double_val[0])
    import numpy as np
    from tensorboard.util import tensor_util

    return float(np.asarray(tensor_util.make_ndarray(proto)).reshape(-1)[0])


def read_run_scalars(run_dir):
    """{"train/epoch_accuracy": {step: value}, ...} for a run folder."""
    merged = {}
    for split in SPLITS:
        for tag, points in read_split(Path(run_dir) / split).items():
            merged[f"{split}/{tag}"] = points
    return merged
