"""Numeric precision of a model: fp32, or mixed bf16 / fp16.

Mixed precision keeps variables in float32 and computes in bfloat16 or
float16 (Keras's `mixed_bfloat16` / `mixed_float16` policies); the softmax
output stays float32 so the loss is computed in full precision. Keras has
only a global dtype policy, so `policy_scope` sets it while a model is
built and restores the previous one afterwards: the layers keep their
policy (and save it in model.keras), nothing else changes.
"""

import contextlib

import keras

AUTO = "auto"
PRECISIONS = {
    "fp32": "float32",
    "bf16": "mixed_bfloat16",
    "fp16": "mixed_float16",
}


def check_precision(precision):
    if precision not in PRECISIONS:
        raise ValueError(
            f"Unknown precision {precision!r}. Expected one of: "
            f"{', '.join([AUTO, *PRECISIONS])}"
        )
    return precision


def resolve_precision(precision):
    """`precision`, with "auto" made "bf16" where the hardware computes
    bfloat16 natively, else "fp32" (see `has_native_bf16`)."""
    if precision == AUTO:
        return "bf16" if has_native_bf16() else "fp32"
    return check_precision(precision)


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


@contextlib.contextmanager
def policy_scope(precision):
    """Layers made inside use `precision`'s dtype policy."""
    policy = PRECISIONS[check_precision(precision)]
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def wrap_optimizer(optimizer, precision):
    """fp16 needs dynamic loss scaling; bf16 and fp32 do not."""
    if check_precision(precision) == "fp16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
