"""What this machine and backend decide about a run, at the moment it
starts: precision "auto", the XLA choice, determinism, several devices,
and the software versions recorded with the run.

Nothing here runs when a `RunConfig` is built; training (and the bench)
call `resolved(config)` when they start, so config.json records what ran.
"""

import contextlib
import dataclasses
import os
import platform

import keras
import numpy as np

from callbacks.without_tensorflow import (
    hide_gpus_from_tensorflow,
    tensorflow_hidden,
)
from nin.models.precision import check_precision


# Below this many multiply-adds per training batch (forward pass: conv and
# dense kernels times their output positions, times the batch size), bf16
# on a CPU is no faster than fp32: measured on the 2-core AVX512-BF16 Xeon
# (docs/performance.md, "bf16 against fp32 by model size").
BF16_CPU_MIN_MULTIPLY_ADDS_PER_STEP = 3e9


def resolve_precision(precision, multiply_adds_per_step=None):
    """`precision`, with "auto" decided (`precision_choice` says why)."""
    return precision_choice(precision, multiply_adds_per_step)[0]


def precision_choice(precision, multiply_adds_per_step=None):
    """(precision, why) for a run that asks for `precision`.

    "auto" is "bf16" where the hardware computes bfloat16 natively (see
    `has_native_bf16`), else "fp32"; on a CPU, also "fp32" for a model
    whose `multiply_adds_per_step` is below
    `BF16_CPU_MIN_MULTIPLY_ADDS_PER_STEP` (None: not considered)."""
    if precision != "auto":
        return check_precision(precision), f"--precision {precision}"
    if not has_native_bf16():
        return "fp32", "auto: no native bfloat16 on this machine"
    if (multiply_adds_per_step is not None
            and _gpu_compute_capability() is None
            and multiply_adds_per_step < BF16_CPU_MIN_MULTIPLY_ADDS_PER_STEP):
        return "fp32", (
            f"auto: {multiply_adds_per_step / 1e9:.2g}e9 multiply-adds per "
            f"step, below the {BF16_CPU_MIN_MULTIPLY_ADDS_PER_STEP / 1e9:.2g}e9"
            " where bf16 pays on a CPU")
    return "bf16", "auto: native bfloat16 on this machine"


def multiply_adds(model):
    """Multiply-adds of one image's forward pass: every conv or dense
    kernel's size times its output positions."""
    total = 0
    for layer in model._flatten_layers(include_self=False):
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            continue
        shape = layer.output.shape
        positions = int(np.prod(shape[1:-1])) if len(shape) > 2 else 1
        total += positions * int(np.prod(kernel.shape))
    return total


def resolved(config, multiply_adds_per_step=None):
    """`config` as it will run here: precision "auto" decided (what
    config.json records)."""
    return dataclasses.replace(config, precision=resolve_precision(
        config.precision, multiply_adds_per_step))


def has_native_bf16():
    """A GPU of compute capability >= 8.0 (A100, H100, ...) or, with no
    GPU and the TensorFlow backend, a CPU with AVX512-BF16 or AMX
    instructions (oneDNN's bf16 kernels: twice fp32 for NIN on the 2-core
    development CPU). Elsewhere bfloat16 is emulated, or on a CPU under
    JAX (XLA's CPU kernels) measured no faster than float32 (0.97x)."""
    capability = _gpu_compute_capability()
    if capability is not None:
        return capability >= (8, 0)
    if keras.backend.backend() != "tensorflow":
        return False
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = set(cpuinfo.read().split())
    except OSError:
        return False
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def _gpu_compute_capability():
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        if gpus:
            major, minor = str(gpus[0].compute_capability).split(".")[:2]
            return int(major), int(minor)
    elif backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return tuple(details.get("compute_capability", (0, 0)))
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_capability(0)
    return None


def resolve_jit(jit):
    """`jit_compile` for Keras from "auto" | "on" | "off".

    "auto" is Keras's own choice (XLA where every layer supports it), except
    with TensorFlow on a CPU: there XLA's convolutions measured several
    times slower than TensorFlow's oneDNN kernels (labs/bench.py,
    docs/performance.md), so auto means off.
    """
    if jit != "auto":
        return jit == "on"
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            return False
    return "auto"


def compilation_cache():
    """Under JAX, keep compiled train steps on disk (JAX's persistent
    cache): the next run of the same shapes, a resumed run and every run
    of a grid after the first of its kind skip the compilation (about
    30 s on an H100). JAX_COMPILATION_CACHE_DIR chooses the folder;
    default ~/.cache/nin-lab4/jax. Returns the folder (None elsewhere)."""
    if keras.backend.backend() != "jax":
        return None
    import jax

    folder = os.environ.get("JAX_COMPILATION_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "nin-lab4", "jax")
    jax.config.update("jax_compilation_cache_dir", folder)
    return folder


def seed_everything(seed):
    """`keras.utils.set_random_seed`, without making it import TensorFlow
    under another backend (`callbacks.without_tensorflow`); a TensorFlow
    that something else loaded there gets no GPU."""
    with tensorflow_hidden():
        keras.utils.set_random_seed(seed)
    hide_gpus_from_tensorflow()


def enable_determinism():
    """Deterministic ops where the backend offers a switch (TensorFlow)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def distribution_scope(distribute):
    """Context in which a model is built, compiled and loaded.

    "none": one device. "mirrored": TensorFlow's MirroredStrategy, one
    replica per visible GPU (or per logical CPU device); `fit`'s batch size
    is the global batch, split evenly over the replicas, so the recipe's
    batch 128 and LR 0.1 keep their meaning on any number of GPUs.
    """
    if distribute == "none":
        return contextlib.nullcontext()
    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            "--distribute mirrored needs KERAS_BACKEND=tensorflow. "
            f"Received backend: {keras.backend.backend()!r}"
        )
    import tensorflow as tf

    return tf.distribute.MirroredStrategy().scope()


def environment():
    """Versions, backend and the GPUs the run was given (grid.py --gpus,
    or a cluster), recorded with every run."""
    return {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }
