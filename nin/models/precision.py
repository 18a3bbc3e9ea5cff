"""Numeric precision of a model: fp32, or mixed bf16 / fp16.

Mixed precision keeps variables in float32 and computes in bfloat16 or
float16 (Keras's `mixed_bfloat16` / `mixed_float16` policies); the softmax
output stays float32 so the loss is computed in full precision. Keras has
only a global dtype policy, so `policy_scope` sets it while a model is
built and restores the previous one afterwards: the layers keep their
policy (and save it in model.keras), nothing else changes. Which
precision a run uses when it asks for "auto" is decided when training
starts (`nin.training.runtime`).
"""

import contextlib

import keras

from nin.validation import choice

PRECISIONS = {
    "fp32": "float32",
    "bf16": "mixed_bfloat16",
    "fp16": "mixed_float16",
}


def check_precision(precision):
    return choice("precision", precision, PRECISIONS)


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
