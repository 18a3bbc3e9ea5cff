"""Loss gradients of a model on one batch, for every Keras backend.

Keras 3 has no backend-neutral `gradient` op, so this is the one place
that dispatches on the backend (TensorFlow's GradientTape, `jax.grad`,
torch autograd), each importing its framework only when it is the active
backend. The forward pass is `model.stateless_call(..., training=True)`:
batch statistics and dropout as in training, but no state changes (BN
moving statistics and random generators are left untouched), so a
diagnostic never alters the run it observes. On JAX the gradient is
compiled once per `gradient_function` (eager JAX is slow on CPU).
"""

import keras
import numpy as np


def _loss(model, trainable, non_trainable, x, y):
    predictions, _ = model.stateless_call(trainable, non_trainable, x,
                                          training=True)
    return keras.ops.mean(
        keras.losses.sparse_categorical_crossentropy(y, predictions))


def gradient_function(model):
    """`compute(x, y)`: gradients of the mean cross-entropy (no
    regularization terms) with respect to `model.trainable_variables`,
    as float64 numpy arrays, at the variables' current values."""
    backend = keras.backend.backend()

    def values(variables):
        return [variable.value for variable in variables]

    if backend == "jax":
        import jax

        gradient = jax.jit(jax.grad(
            lambda t, n, x, y: _loss(model, t, n, x, y)))

        def compute(x, y):
            return gradient(values(model.trainable_variables),
                            values(model.non_trainable_variables), x, y)
    elif backend == "tensorflow":
        import tensorflow as tf

        def compute(x, y):
            trainable = values(model.trainable_variables)
            with tf.GradientTape() as tape:
                tape.watch(trainable)
                loss = _loss(model, trainable,
                             values(model.non_trainable_variables), x, y)
            return tape.gradient(loss, trainable)
    elif backend == "torch":
        import torch

        def compute(x, y):
            trainable = [value.detach().clone().requires_grad_(True)
                         for value in values(model.trainable_variables)]
            loss = _loss(model, trainable,
                         values(model.non_trainable_variables), x, y)
            return torch.autograd.grad(loss, trainable)
    else:
        raise ValueError(
            f"Gradients are implemented for the jax, tensorflow and torch "
            f"backends. Received: backend={backend!r}")

    def as_numpy(x, y):
        return [np.asarray(keras.ops.convert_to_numpy(g), dtype=np.float64)
                for g in compute(x, y)]

    return as_numpy


def loss_gradients(model, x, y):
    """One-off `gradient_function(model)(x, y)`."""
    return gradient_function(model)(x, y)
