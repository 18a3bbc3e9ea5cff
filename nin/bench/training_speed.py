"""Training speed of one lab run on synthetic CIFAR-shaped data
(`labs/bench.py`).

Measures, each as the median of `repeats` timed epochs of `steps` steps
after an untimed warm-up epoch, all timed in turns (A, B, C, A, B, C,
...) so that a busy spell of a shared machine hits them alike:

- the fast path (this toolkit's precision, XLA and steps-per-execution
  settings), bare: train steps on cached tensors;
- the same in the full pipeline (shuffle, augmentation, schedule,
  TensorBoard), for `pipeline_overhead`;
- a plain Keras fp32 `compile`/`fit` of the same model with Keras's own
  layers (the baseline);
- the fast path without batch norm, for `bn_overhead`;

then matmul peak GFLOP/s at the run's precision, for utilization. Ratios
are medians of the per-round ratios (`timing`).
"""

import dataclasses
import statistics

import keras

from nin.bench import timing
from nin.layers import BatchNormalization
from nin.training.config import RunConfig
from nin.training.runtime import resolved
from nin.training.trainer import (
    build_network,
    compile_trainer,
    training_model,
)

STEPS_PER_EPOCH = 391  # CIFAR-10 at batch 128
CPU_STEPS = 8  # a CPU step takes 0.6 s, a GPU's milliseconds
BENCH_RUN = dict(activation="elu", batch_norm=True, he_init=True)


def bench_config(**settings):
    """The benchmarked run: ELU+BN+WI NIN unless told otherwise, on
    synthetic data, its precision decided for this machine."""
    return resolved(RunConfig(**{**BENCH_RUN, "dataset": "synthetic",
                                 **settings}))


def default_steps():
    """A whole CIFAR-10 epoch on a GPU, `CPU_STEPS` on a CPU."""
    on_gpu = timing.device_description().startswith("gpu")
    return STEPS_PER_EPOCH if on_gpu else CPU_STEPS


def stock_keras_layers(model):
    """The same model with Keras's own BatchNormalization in place of this
    toolkit's fused one, so the baseline is plain Keras throughout."""
    def clone(layer):
        kind = (keras.layers.BatchNormalization
                if isinstance(layer, BatchNormalization) else type(layer))
        return kind.from_config(layer.get_config())

    return keras.models.clone_model(model, clone_function=clone)


def plain_keras_fp32(config, shape):
    """The baseline: the same model, Keras's default compile, fp32."""
    model = stock_keras_layers(build_network(
        dataclasses.replace(config, precision="fp32"), shape, 10))
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9,
                                                 nesterov=True),
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def bare_epoch(config, x, y):
    """A callable training the toolkit's trainer for `config` one epoch
    on cached `x`, `y` (the bare step)."""
    model = compile_trainer(build_network(config, x.shape[1:], 10), config)
    return timing.fit_epoch(model, x, y, config.batch_size)


def measure(config, steps=None, repeats=5, baseline=True, bn_overhead=True):
    """Every figure for `config` (from `bench_config`) as one dict."""
    steps = steps or default_steps()
    batch = config.batch_size
    x, y = timing.synthetic_batches(batch, steps)
    shape = x.shape[1:]

    # Timed in turns: the fast path bare and in the full pipeline, the
    # plain Keras fp32 baseline, the fast path without BN.
    runners = {"fast": bare_epoch(config, x, y)}
    callbacks, tensorboard = timing.full_pipeline_callbacks(len(x))
    trainer = compile_trainer(
        training_model(build_network(config, shape, 10), config), config)
    runners["full"] = timing.pipeline_epoch(trainer, x, y, batch,
                                            callbacks, config.seed)
    if baseline:
        runners["plain"] = timing.fit_epoch(plain_keras_fp32(config, shape),
                                            x, y, batch)
    if bn_overhead and config.batch_norm:
        runners["no_bn"] = bare_epoch(
            dataclasses.replace(config, batch_norm=False), x, y)
    rounds = timing.interleaved_seconds(runners, repeats)
    step = {name: statistics.median(times) / steps
            for name, times in rounds.items()}
    tb_epoch = timing.tensorboard_seconds_per_epoch(tensorboard)
    result = {
        "run": config.run_name, "model": config.model, "batch_size": batch,
        "backend": keras.backend.backend(),
        "device": timing.device_description(),
        "precision": config.precision, "jit": config.jit,
        "steps_per_execution": config.steps_per_execution,
        "timed_steps": steps, "step_ms": round(1000 * step["full"], 2),
        "images_per_second": round(batch / step["full"], 2),
        "bare_step_ms": round(1000 * step["fast"], 2),
        "bare_images_per_second": round(batch / step["fast"], 2),
        "pipeline_overhead": round(
            timing.median_ratio(rounds["full"], rounds["fast"]) - 1, 4),
        "tensorboard_overhead": round(
            tb_epoch / (STEPS_PER_EPOCH * step["full"]), 6),
    }
    if "plain" in step:
        result["plain_keras_fp32_images_per_second"] = round(
            batch / step["plain"], 2)
        result["speedup_vs_plain_keras_fp32"] = round(
            timing.median_ratio(rounds["plain"], rounds["fast"]), 3)
    if "no_bn" in step:
        result["bn_overhead"] = round(
            timing.median_ratio(rounds["fast"], rounds["no_bn"]) - 1, 4)
    if config.model == "nin" and config.width == 1.0:
        peak = timing.matmul_peak_gflops(config.precision)
        result["matmul_peak_gflops"] = round(peak, 1)
        result["utilization_of_matmul_peak"] = round(
            batch / step["fast"] * timing.NIN_TRAIN_GFLOP_PER_IMAGE / peak, 4)
    return result
