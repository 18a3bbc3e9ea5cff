"""Timing helpers of the benchmarks: training throughput, measured fairly.

Every measurement trains on synthetic data of the real shape, runs one
untimed warm-up epoch (tracing, XLA compilation, allocator warm-up), then
`repeats` timed epochs of `steps` steps, taken in turns with the other
measured models, and reports the median seconds per step. The *bare* step
is `fit` on cached in-memory tensors with no augmentation and no
callbacks; the *full* step is what a run trains: per-epoch shuffle,
augmentation in the graph, the LR schedule, the run tracker and
TensorBoard. A short epoch carries each epoch's fixed cost (one `fit`
call, the callbacks) over fewer steps than a real one, so the full step's
overhead is if anything overstated.
"""

import itertools
import platform
import statistics
import tempfile
import time

import keras
import numpy as np

from callbacks import (
    EpochTensorBoard,
    RunTracker,
    StepSchedule,
    wait_for_training,
)
from nin.training.loop import reseed_generators, shuffled_epochs

# One NIN training image (forward + backward) costs about 1.34 GFLOP.
NIN_TRAIN_GFLOP_PER_IMAGE = 1.34


def synthetic_batches(batch_size, steps, shape=(32, 32, 3), classes=10):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch_size * steps, *shape)).astype("float32")
    y = (np.arange(batch_size * steps) % classes).astype("int64")
    return x, y


def pipeline_epoch(model, x, y, batch_size, callbacks, seed):
    """A callable that trains one epoch as `nin.training.loop` does: generators
    reseeded and data shuffled per (seed, epoch), the next epoch's copy
    made in the background (and waited for before the call returns, so its
    cost is counted), augmentation in the graph, the run's callbacks."""
    epochs = itertools.count()
    shuffled = shuffled_epochs(x, y, seed)

    def run():
        epoch = next(epochs)
        reseed_generators(model, seed, epoch)
        x_epoch, y_epoch = shuffled.take(epoch)
        shuffled.prepare(epoch + 1)
        model.fit(x_epoch, y_epoch, batch_size=batch_size, epochs=1,
                  verbose=0, shuffle=False, callbacks=list(callbacks))
        wait_for_training(model)
        shuffled.wait()

    return run


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
    def run():
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0,
                  shuffle=False)
        wait_for_training(model)

    return run


def median_ratio(numerators, denominators):
    """Median of the per-round ratios of two interleaved timings: steadier
    than a ratio of medians when the machine's speed shifts between
    rounds."""
    return statistics.median(
        top / bottom for top, bottom in zip(numerators, denominators))


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


def matmul_peak_gflops(precision, size=None, products=4, repeats=5):
    """Measured matmul GFLOP/s at `precision` (bf16 inputs for bf16): the
    median over `repeats` of `products` square products in a row, waited
    for by copying one element to the host (a whole result would time the
    copy too, which on a GPU is longer than the product). `size` defaults
    to 8192 on a GPU (smaller products leave it idle) and 2048 on a CPU."""
    dtype = {"fp32": "float32", "bf16": "bfloat16",
             "fp16": "float16"}[precision]
    if size is None:
        size = 8192 if device_description().startswith("gpu") else 2048
    a = keras.ops.convert_to_tensor(np.random.default_rng(0).standard_normal(
        (size, size), dtype="float32"), dtype=dtype)

    def run():
        results = [keras.ops.matmul(a, a) for _ in range(products)]
        keras.ops.convert_to_numpy(
            keras.ops.cast(results[-1][0, 0], "float32"))

    run()  # warm-up
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return products * 2 * size**3 / statistics.median(timings) / 1e9


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
