"""The model a run trains: the registry network behind augmentation.

Shared by training, resuming and the bench: build the network for a
config, wrap it with `PadCropFlip` (and seed 004's `ColorJitter` /
`PCALighting` when asked; all identity at inference), compile it with
seed 001's optimizer (Nesterov SGD, cross-entropy; fp16 gets loss
scaling), and find the network inside a loaded training model. Sanity
mode (`overfit_batches`) trains without any augmentation. The config
must be `runtime.resolved` (its precision decided).
"""

import keras

from callbacks.schedules import check_drops, scaled_drops
from nin.layers import ColorJitter, PadCropFlip, PCALighting
from nin.models import build_model
from nin.models.precision import check_precision
from nin.training.runtime import resolve_jit

AUGMENT_PAD = 4


def lr_drops_for(config):
    return check_drops(config.lr_drops or scaled_drops(config.epochs))


def build_network(config, input_shape, num_classes):
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


def wrap_optimizer(optimizer, precision):
    """fp16 needs dynamic loss scaling; bf16 and fp32 do not."""
    if check_precision(precision) == "fp16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
