"""The model a run trains: the registry network behind augmentation.

Small helpers shared by training and resuming: build the network for a
config, wrap it with `PadCropFlip` (and seed 004's `ColorJitter` /
`PCALighting` when asked; all identity at inference), compile it with
seed 001's optimizer, find the network inside a loaded training model, and
record the software environment. Sanity mode (`overfit_batches`) trains
without any augmentation.
"""

import contextlib
import platform

import keras
import numpy as np

from callbacks.schedules import check_drops, scaled_drops
from nin.augment import PadCropFlip
from nin.precision import wrap_optimizer
from nin.color_augment import ColorJitter, PCALighting
from nin.registry import build_model

AUGMENT_PAD = 4


def environment():
    """Versions and backend, recorded with every run."""
    return {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


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


def lr_drops_for(config):
    return check_drops(config.lr_drops or scaled_drops(config.epochs))


def resolve_jit(jit):
    """`jit_compile` for Keras from "auto" | "on" | "off".

    "auto" is Keras's own choice (XLA where every layer supports it), except
    with TensorFlow on a CPU: there XLA's convolutions measured several
    times slower than TensorFlow's oneDNN kernels (labs/bench.py, README
    "Performance"), so auto means off.
    """
    if jit != "auto":
        return jit == "on"
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            return False
    return "auto"


def build_for(config, input_shape, num_classes):
    return build_model(
        config.model,
        activation=config.activation,
        batch_norm=config.batch_norm,
        he_init=config.he_init,
        num_classes=num_classes,
        input_shape=input_shape,
        width=config.width,
        precision=config.precision,
        init=config.init,
        init_std=config.init_std,
        **config.model_kwargs(),
    )


def uses_augmentation(config):
    if config.overfit_batches:
        return False
    return bool(config.augment or config.color_jitter or config.pca_lighting)


def training_model(network, config, pixel_stats=None, lighting_basis=None):
    """The network behind the augmentation layers (identity at inference).

    `pixel_stats` (mean, std per channel, 0-255) and `lighting_basis`
    (eigenvalues, eigenvectors) feed the colour augmentations.
    """
    if not uses_augmentation(config):
        return network
    layers = [keras.Input(network.input_shape[1:])]
    if config.augment:
        layers.append(
            PadCropFlip(pad=AUGMENT_PAD, seed=config.seed, name="augment"))
    mean, std = ([list(map(float, s)) for s in pixel_stats]
                 if pixel_stats is not None else (None, None))
    if config.color_jitter:
        strength = config.color_jitter
        layers.append(ColorJitter(
            brightness=strength, contrast=strength, saturation=strength,
            pixel_mean=mean, pixel_std=std, seed=config.seed,
            name="color_jitter"))
    if config.pca_lighting:
        values, vectors = lighting_basis
        layers.append(PCALighting(
            values, vectors, alpha_std=config.pca_lighting, pixel_mean=mean,
            pixel_std=std, seed=config.seed, name="pca_lighting"))
    return keras.Sequential([*layers, network], name="trainer")


def network_of(trainer, config):
    """The registry network inside a (possibly reloaded) training model."""
    if uses_augmentation(config):
        return trainer.get_layer(config.model)
    return trainer


def compile_trainer(trainer, config):
    optimizer = keras.optimizers.SGD(
        learning_rate=config.lr, momentum=config.momentum,
        nesterov=config.nesterov,
    )
    trainer.compile(
        optimizer=wrap_optimizer(optimizer, config.precision),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=resolve_jit(config.jit),
        steps_per_execution=config.steps_per_execution,
    )
    return trainer
