"""Timing helpers for `labs/bench.py`: training throughput, measured fairly.

Every measurement trains on synthetic data of the real shape, runs one
untimed warm-up epoch (tracing, XLA compilation, allocator warm-up), then
`repeats` timed epochs of `steps` steps, and reports the median seconds per
step. The *bare* step is `fit` on cached in-memory tensors with no
augmentation and no callbacks; the *full* step is what `nin.training`
runs: per-epoch shuffle, augmentation in the graph, the LR schedule, the
run tracker and TensorBoard.
"""

import platform
import statistics
import tempfile
import time

import keras
import numpy as np

from callbacks import EpochTensorBoard, RunTracker, StepSchedule
from nin.training import epoch_order, reseed_generators

# One NIN training image (forward + backward) costs about 1.34 GFLOP.
NIN_TRAIN_GFLOP_PER_IMAGE = 1.34


def synthetic_batches(batch_size, steps, shape=(32, 32, 3), classes=10):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch_size * steps, *shape)).astype("float32")
    y = (np.arange(batch_size * steps) % classes).astype("int64")
    return x, y


def median_epoch_seconds(model, x, y, batch_size, repeats, callbacks=(),
                         shuffle_seed=None):
    """Median seconds of one `fit` epoch over all of `x`, after warm-up."""
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0,
              shuffle=False)  # warm-up: tracing and compilation
    timings = []
    for epoch in range(repeats):
        start = time.perf_counter()
        if shuffle_seed is not None:  # as nin.training does it
            reseed_generators(model, shuffle_seed, epoch)
            order = epoch_order(len(x), shuffle_seed, epoch)
            inputs, labels = x[order], y[order]
        else:
            inputs, labels = x, y
        model.fit(inputs, labels, batch_size=batch_size, epochs=1,
                  initial_epoch=0, verbose=0, shuffle=False,
                  callbacks=list(callbacks))
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def interleaved_seconds(runners, repeats):
    """{name: [seconds of each timed call]} for several callables, run in
    turns (A, B, C, A, B, C, ...) after one untimed call each (tracing,
    compilation), so that a slow spell of a shared machine falls on all of
    them alike."""
    for run in runners.values():
        run()
    timings = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - start)
    return timings


def fit_epoch(model, x, y, batch_size):
    """A callable that trains `model` one epoch on cached `x`, `y`."""
    return lambda: model.fit(x, y, batch_size=batch_size, epochs=1,
                             verbose=0, shuffle=False)


def interleaved_step_seconds(models, x, y, batch_size, repeats):
    """{name: median seconds per step} for several compiled models, their
    epochs on cached tensors timed in turns."""
    steps = len(x) // batch_size
    timings = interleaved_seconds(
        {name: fit_epoch(model, x, y, batch_size)
         for name, model in models.items()}, repeats)
    return {name: statistics.median(times) / steps
            for name, times in timings.items()}


def step_and_epoch_cost(model, x, y, batch_size, repeats, steps_per_epoch,
                        **fit_options):
    """Seconds per step at `steps_per_epoch` steps per epoch.

    Times epochs of `s` and `2s` steps (`s = len(x) // batch_size // 2`):
    their difference is the cost of `s` steps, the rest is the fixed cost
    of one epoch (one `fit` call: data set-up, callbacks), which a real
    epoch spreads over `steps_per_epoch` steps.
    Returns (amortized seconds per step, per-step, fixed per epoch).
    """
    half = len(x) // 2
    short = median_epoch_seconds(model, x[:half], y[:half], batch_size,
                                 repeats, **fit_options)
    full = median_epoch_seconds(model, x, y, batch_size, repeats,
                                **fit_options)
    steps = half // batch_size
    per_step = max((full - short) / steps, 1e-9)
    fixed = max(short - steps * per_step, 0.0)
    return per_step + fixed / steps_per_epoch, per_step, fixed


def full_pipeline_callbacks(train_size):
    """The per-epoch callbacks of a real run, logging to a temp folder."""
    folder = tempfile.mkdtemp(prefix="nin-bench-")
    tensorboard = EpochTensorBoard(folder)
    return [StepSchedule(), RunTracker(train_size), tensorboard], tensorboard


def tensorboard_seconds_per_epoch(tensorboard, repeats=20):
    """Median time of one epoch's TensorBoard writes."""
    logs = {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.0,
            "val_accuracy": 0.5, "learning_rate": 0.1}
    timings = []
    for epoch in range(repeats):
        start = time.perf_counter()
        tensorboard.on_epoch_end(1000 + epoch, logs)
        timings.append(time.perf_counter() - start)
    tensorboard.close()
    return statistics.median(timings)


def matmul_peak_gflops(precision, size=2048, repeats=5):
    """Measured matmul GFLOP/s at `precision` (bf16 inputs for bf16)."""
    dtype = {"fp32": "float32", "bf16": "bfloat16",
             "fp16": "float16"}[precision]
    a = keras.ops.convert_to_tensor(
        np.random.default_rng(0).normal(size=(size, size)), dtype=dtype)
    keras.ops.convert_to_numpy(keras.ops.matmul(a, a))  # warm-up
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        keras.ops.convert_to_numpy(keras.ops.matmul(a, a))
        timings.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(timings) / 1e9


def device_description():
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return f"{device.platform}: {device.device_kind}"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return f"gpu: {details.get('device_name', gpus[0].name)}"
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return f"gpu: {torch.cuda.get_device_name(0)}"
    return f"cpu: {platform.processor() or platform.machine()}"
