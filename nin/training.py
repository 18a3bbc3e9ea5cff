"""Train one lab run end to end and record everything in its directory.

`train(config)`:
1. makes `LOGDIR/RUN_NAME/` (never over an existing run) and writes
   `config.json` (every setting, plus data statistics and versions);
2. loads and standardizes the dataset with training-set statistics;
3. builds the model from the registry and trains it with seed 001's
   recipe: Nesterov SGD 0.9, step LR, cross-entropy, L2 on kernels,
   pad-crop-flip augmentation (inside the training graph, so it runs on the
   accelerator), test set evaluated after every epoch;
4. writes TensorBoard scalars per epoch, `model.keras` (the bare network,
   without the augmentation layer) and finally `results.json`.
"""

import platform
import time

import keras
import numpy as np

from callbacks import (
    EpochTensorBoard,
    RunTracker,
    StepSchedule,
    prepare_run_dir,
    scaled_drops,
    write_json_atomic,
)
from callbacks.hparams import write_hparams
from callbacks.schedules import check_drops
from nin.augment import PadCropFlip
from nin.data import NUM_CLASSES, load_dataset, standardize
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


def lr_drops_for(config):
    drops = config.lr_drops or scaled_drops(config.epochs)
    return check_drops(drops)


def build_for(config, input_shape, num_classes):
    return build_model(
        config.model,
        activation=config.activation,
        batch_norm=config.batch_norm,
        he_init=config.he_init,
        num_classes=num_classes,
        input_shape=input_shape,
        width=config.width,
        **config.model_kwargs(),
    )


def training_model(network, config):
    """The network behind the augmentation layer (identity at inference)."""
    if not config.augment:
        return network
    return keras.Sequential(
        [keras.Input(network.input_shape[1:]),
         PadCropFlip(pad=AUGMENT_PAD, seed=config.seed, name="augment"),
         network],
        name="trainer",
    )


def train(config, *, overwrite=False, verbose="auto"):
    """Run `config`; returns the results dict also saved as results.json."""
    drops = lr_drops_for(config)
    (x_train, y_train), (x_test, y_test) = load_dataset(
        config.dataset, config.data_dir
    )
    run_dir = prepare_run_dir(config.logdir, config.run_name, overwrite)
    x_train, x_test, (mean, std) = standardize(x_train, x_test)
    write_json_atomic(run_dir / "config.json", {
        **config.to_json(),
        "lr_drops_used": list(drops),
        "train_size": len(x_train),
        "test_size": len(x_test),
        "channel_mean": mean.round(4).tolist(),
        "channel_std": std.round(4).tolist(),
        "environment": environment(),
    })
    write_hparams(run_dir, config)  # HParams dashboard: one row per run
    print(f"Run {config.run_name}: {run_dir}")

    keras.utils.set_random_seed(config.seed)
    network = build_for(config, x_train.shape[1:], NUM_CLASSES[config.dataset])
    model = training_model(network, config)
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=config.lr, momentum=config.momentum,
            nesterov=config.nesterov,
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    tracker = RunTracker(train_size=len(x_train))
    started = time.time()
    model.fit(
        x_train, y_train,
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(x_test, y_test),
        shuffle=True,
        verbose=verbose,
        callbacks=[
            StepSchedule(config.lr, drops, config.lr_factor),
            tracker,
            EpochTensorBoard(run_dir),
        ],
    )
    # The bare network shares the trained optimizer, so model.keras loads
    # compiled, with its momentum, ready to evaluate or train on.
    network.compile(optimizer=model.optimizer,
                    loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    test_loss, test_accuracy = network.evaluate(
        x_test, y_test, batch_size=config.batch_size, verbose=0
    )
    network.save(run_dir / "model.keras")
    results = {
        "run_name": config.run_name,
        "test_accuracy": _finite_or_none(test_accuracy),
        "test_loss": _finite_or_none(test_loss),
        **tracker.summary(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S",
                                 time.localtime(started)),
        "environment": environment(),
    }
    write_json_atomic(run_dir / "results.json", results)
    return results


def _finite_or_none(value):
    value = float(value)
    return value if np.isfinite(value) else None
