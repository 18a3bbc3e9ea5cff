"""Train one lab run end to end, resumable, recorded in its directory.

`train(config)`:
1. opens `LOGDIR/RUN_NAME/`: a new run writes `config.json`; a finished
   run is never touched (`RunFinished`); an unfinished one resumes from its
   last complete epoch (`callbacks.checkpoint`) if its settings match;
2. loads and standardizes the dataset with training-set statistics;
3. trains with seed 001's recipe: Nesterov SGD 0.9, step LR, cross-entropy,
   L2 on kernels, pad-crop-flip augmentation inside the training graph (so
   it runs on the accelerator), test set evaluated after every epoch;
4. writes TensorBoard scalars and a checkpoint each epoch, then
   `model.keras` (the bare network) and finally `results.json`.

Training runs one `fit` per epoch. Before each, the shuffle order and every
random generator (augmentation, dropout, RReLU) are derived from
(seed, epoch), so a resumed run sees exactly the batches, crops and dropout
masks the uninterrupted run would have seen.
"""

import json

import keras
import numpy as np

from callbacks import (
    EpochCheckpoint,
    EpochTensorBoard,
    RunTracker,
    StepSchedule,
    open_run_dir,
    read_checkpoint,
    save_model_atomic,
    write_json_atomic,
)
from callbacks.hparams import write_hparams
from nin.data import NUM_CLASSES, load_dataset, standardize
from nin.network import (
    build_for,
    compile_trainer,
    distribution_scope,
    enable_determinism,
    environment,
    lr_drops_for,
    network_of,
    training_model,
)


class RunFinished(Exception):
    """The run already has results.json; it is not trained again."""

    def __init__(self, run_dir, results):
        super().__init__(f"{run_dir} is already finished")
        self.run_dir = run_dir
        self.results = results


class RunInterrupted(Exception):
    """Ctrl-C: the last completed epoch's checkpoint is kept."""

    def __init__(self, run_dir, epochs_completed):
        super().__init__(f"interrupted after {epochs_completed} epochs")
        self.run_dir = run_dir
        self.epochs_completed = epochs_completed


def epoch_order(size, seed, epoch):
    """The shuffle of epoch `epoch`: a function of (seed, epoch) only."""
    return np.random.default_rng([seed, epoch]).permutation(size)


def reseed_generators(model, seed, epoch):
    """Set every SeedGenerator of `model` from (seed, epoch, its index)."""
    states = [v for v in model.non_trainable_variables
              if v.name == "seed_generator_state"]
    for index, state in enumerate(states):
        value = np.random.SeedSequence([seed, epoch, index]).generate_state(1)
        state.assign(np.array([value[0], 0]).astype(state.dtype))


def _check_same_settings(config, run_dir):
    saved = json.loads((run_dir / "config.json").read_text())
    differences = config.differences(saved)
    if differences:
        raise ValueError(
            f"{run_dir} holds an unfinished run with other settings ("
            + "; ".join(differences) + "). Resume it with the same flags, "
            "or start again with --overwrite (the old run is kept)."
        )


def _open(config, overwrite, resume):
    run_dir, status = open_run_dir(config.logdir, config.run_name, overwrite)
    if status == "finished":
        results = json.loads((run_dir / "results.json").read_text())
        raise RunFinished(run_dir, results)
    if status == "unfinished" and (run_dir / "config.json").is_file():
        if not resume:
            raise ValueError(
                f"{run_dir} holds an unfinished run and --no-resume was "
                "given; use --overwrite to start again (the old run is kept)"
            )
        _check_same_settings(config, run_dir)
        return run_dir, read_checkpoint(run_dir)
    return run_dir, None


def train(config, *, overwrite=False, resume=True, verbose="auto"):
    """Run `config`; returns the results dict also saved as results.json."""
    drops = lr_drops_for(config)
    (x_train, y_train), (x_test, y_test) = load_dataset(
        config.dataset, config.data_dir)
    run_dir, checkpoint = _open(config, overwrite, resume)
    x_train, x_test, (mean, std) = standardize(x_train, x_test)
    if not (run_dir / "config.json").is_file():
        write_json_atomic(run_dir / "config.json", {
            **config.to_json(), "lr_drops_used": list(drops),
            "train_size": len(x_train), "test_size": len(x_test),
            "channel_mean": mean.round(4).tolist(),
            "channel_std": std.round(4).tolist(),
            "environment": environment(),
        })
    if not list(run_dir.glob("*.hparams")):
        write_hparams(run_dir, config)  # HParams dashboard: one row per run
    if config.deterministic:
        enable_determinism()
    keras.utils.set_random_seed(config.seed)
    tracker = RunTracker(train_size=len(x_train))
    if checkpoint is None:
        with distribution_scope(config.distribute):
            network = build_for(config, x_train.shape[1:],
                                NUM_CLASSES[config.dataset])
            trainer = compile_trainer(training_model(network, config),
                                      config)
        print(f"Run {config.run_name}: {run_dir}")
    else:
        state, model_path = checkpoint
        with distribution_scope(config.distribute):
            trainer = keras.saving.load_model(model_path, safe_mode=True)
        tracker.load_state(state["tracker"])
        tracker.resumed_at.append(tracker.epochs_completed)
        print(f"Resuming {config.run_name} from {run_dir} after epoch "
              f"{state['epoch'] + 1} of {config.epochs}")
    tensorboard = EpochTensorBoard(run_dir)
    tensorboard.clear()
    tensorboard.replay(tracker.history)
    callbacks = [StepSchedule(config.lr, drops, config.lr_factor), tracker,
                 EpochCheckpoint(run_dir, tracker), tensorboard]
    try:
        for epoch in range(tracker.epochs_completed, config.epochs):
            if tracker.diverged:
                break
            reseed_generators(trainer, config.seed, epoch)
            order = epoch_order(len(x_train), config.seed, epoch)
            trainer.fit(
                x_train[order], y_train[order], shuffle=False,
                batch_size=config.batch_size, initial_epoch=epoch,
                epochs=epoch + 1, validation_data=(x_test, y_test),
                verbose=verbose, callbacks=callbacks,
            )
    except KeyboardInterrupt:
        raise RunInterrupted(run_dir, tracker.epochs_completed) from None
    finally:
        tensorboard.close()
    return _finish(config, run_dir, trainer, tracker, (x_test, y_test))


def _finish(config, run_dir, trainer, tracker, test_data):
    network = network_of(trainer, config)
    # The bare network shares the trained optimizer, so model.keras loads
    # compiled, with its momentum, ready to evaluate or train on.
    network.compile(optimizer=trainer.optimizer,
                    loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    test_loss, test_accuracy = network.evaluate(
        *test_data, batch_size=config.batch_size, verbose=0)
    save_model_atomic(network, run_dir / "model.keras")
    results = {
        "run_name": config.run_name,
        "test_accuracy": _finite_or_none(test_accuracy),
        "test_loss": _finite_or_none(test_loss),
        **tracker.summary(),
        "environment": environment(),
    }
    write_json_atomic(run_dir / "results.json", results)
    return results


def _finite_or_none(value):
    value = float(value)
    return value if np.isfinite(value) else None
