"""Train one lab run end to end, resumable, recorded in its directory.

`train(config)`:
1. loads and standardizes the dataset with training-set statistics
   (`run_data`: optional validation hold-out and sanity subset);
2. decides what "auto" means here (`runtime.precision_choice`: the
   hardware and, on a CPU, the model's multiply-adds per step), opens
   `LOGDIR/RUN_NAME/` (`run_folder`): a new run writes `config.json`; a
   finished run is never touched (`RunFinished`); an unfinished one
   resumes from its last complete epoch (`callbacks.checkpoint`) if its
   settings match;
3. trains with seed 001's recipe: Nesterov SGD 0.9, step LR, cross-entropy,
   L2 on kernels, pad-crop-flip augmentation inside the training graph (so
   it runs on the accelerator), test set evaluated after every epoch; or,
   when configured, seed 003's plateau LR and early stopping on a
   validation hold-out, seed 004's colour augmentation, diagnostics;
4. writes TensorBoard scalars and a checkpoint each epoch, then
   `model.keras` (the bare network) and finally `results.json`
   (`results`).

Training runs one `fit` per epoch. Before each, the shuffle order and every
random generator (augmentation, dropout, RReLU) are derived from
(seed, epoch), so a resumed run sees exactly the batches, crops and dropout
masks the uninterrupted run would have seen. The plateau schedule and
early stopping are functions of the checkpointed history
(`callbacks.plateau`), so they resume exactly too. The next epoch's
shuffled copy is made in the background (`prefetch`).
"""

import dataclasses

import keras
import numpy as np

from callbacks import (
    EpochCheckpoint,
    EpochTensorBoard,
    RunTracker,
    StepSchedule,
    read_checkpoint,
    write_json_atomic,
)
from callbacks.diagnostics import PROBE_SIZE, Diagnostics
from callbacks.interrupt import BatchEndInterrupt
from callbacks.plateau import PlateauSchedule, should_stop_early
from callbacks.progress import RunProgress
from nin.training.gpu_kernels import check_train_step
from nin.training.prefetch import ShuffledEpochs
from nin.training.results import finish_run
from nin.training.run_data import prepare_data
from nin.training.run_folder import (
    CONFIG_FILE,
    check_logdir,
    lock_run,
    open_run_dir,
    read_config,
    read_results,
    release_run,
    write_run_hparams,
)
from nin.training.runtime import (
    compilation_cache,
    distribution_scope,
    enable_determinism,
    environment,
    has_native_bf16,
    multiply_adds,
    precision_choice,
    resolved,
    seed_everything,
)
from nin.training.trainer import (
    build_network,
    compile_trainer,
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


def shuffled_epochs(x, y, seed):
    """Each epoch's `epoch_order` copy of (x, y), the next one made in the
    background while the current epoch trains (`prefetch`)."""
    return ShuffledEpochs(x, y,
                          lambda epoch: epoch_order(len(x), seed, epoch))


def reseed_generators(model, seed, epoch):
    """Set every SeedGenerator of `model` from (seed, epoch, its index)."""
    states = [v for v in model.non_trainable_variables
              if v.name == "seed_generator_state"]
    for index, state in enumerate(states):
        value = np.random.SeedSequence([seed, epoch, index]).generate_state(1)
        state.assign(np.array([value[0], 0]).astype(state.dtype))


def _check_same_settings(config, run_dir):
    saved = read_config(run_dir)
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
        raise RunFinished(run_dir, read_results(run_dir))
    if status == "unfinished" and (run_dir / CONFIG_FILE).is_file():
        if not resume:
            raise ValueError(
                f"{run_dir} holds an unfinished run and --no-resume was "
                "given; use --overwrite to start again (the old run is kept)"
            )
        _check_same_settings(config, run_dir)
        return run_dir, read_checkpoint(run_dir)
    return run_dir, None


def _schedule(config, drops, tracker):
    if config.schedule == "plateau":
        return PlateauSchedule(config.lr, config.plateau_factor,
                               config.plateau_patience, tracker)
    return StepSchedule(config.lr, drops, config.lr_factor)


def train(config, *, overwrite=False, resume=True, verbose="auto",
          on_run_dir=None):
    """Run `config`; returns the results dict also saved as results.json.

    `on_run_dir(run_dir)` is called once the run's folder is open, before
    anything is written there (`run_folder.send_output_to_log`).
    """
    drops = lr_drops_for(config) if config.schedule == "step" else None
    check_logdir(config.logdir)  # before the (slow) data loading
    data = prepare_data(config)
    config = _resolved_for(config, data)
    run_dir, checkpoint = _open(config, overwrite, resume)
    lock_run(run_dir)
    try:
        return _train(config, run_dir, checkpoint, data, drops, verbose,
                      on_run_dir)
    finally:
        release_run(run_dir)


def _resolved_for(config, data):
    """`config` with precision "auto" decided for this machine and, on a
    CPU with native bf16, this model's size (one line says why)."""
    if config.precision != "auto":
        return resolved(config)
    per_step = None
    if has_native_bf16():
        network = build_network(dataclasses.replace(config, precision="fp32"),
                                data.x_train.shape[1:], data.num_classes)
        per_step = multiply_adds(network) * config.batch_size
    precision, why = precision_choice("auto", per_step)
    print(f"Precision {precision} ({why})")
    return dataclasses.replace(config, precision=precision)


def _train(config, run_dir, checkpoint, data, drops, verbose, on_run_dir):
    if on_run_dir is not None:
        on_run_dir(run_dir)
    if not (run_dir / CONFIG_FILE).is_file():
        write_json_atomic(run_dir / CONFIG_FILE, {
            **config.to_json(), "lr_drops_used": drops and list(drops),
            **data.record(), "environment": environment(),
        })
    write_run_hparams(run_dir, config, data.eval_split)
    if config.deterministic:
        enable_determinism()
    compilation_cache()
    seed_everything(config.seed)
    tracker = RunTracker(train_size=len(data.x_train),
                         eval_split=data.eval_split)
    if checkpoint is None:
        with distribution_scope(config.distribute):
            network = build_network(config, data.x_train.shape[1:],
                                    data.num_classes)
            trainer = compile_trainer(training_model(
                network, config, (data.mean, data.std),
                data.lighting_basis), config)
        print(f"Run {config.run_name}: {run_dir}")
    else:
        state, model_path = checkpoint
        with distribution_scope(config.distribute):
            trainer = keras.saving.load_model(model_path, safe_mode=True)
        tracker.load_state(state["tracker"])
        tracker.resumed_at.append(tracker.epochs_completed)
        print(f"Run {config.run_name}: resumed at epoch "
              f"{state['epoch'] + 2}/{config.epochs} from {run_dir}")
    if config.distribute == "none":  # a GPU must run the whole step
        check_train_step(trainer, data.x_train.shape[1:], config.precision)
    tensorboard = EpochTensorBoard(run_dir, data.eval_split)
    tensorboard.clear()
    tensorboard.replay(tracker.history)
    writers = [tensorboard]
    if config.diagnostics:  # after the checkpoint: see callbacks.diagnostics
        writers.append(Diagnostics(
            run_dir, network_of(trainer, config),
            data.x_train[:PROBE_SIZE], data.y_train[:PROBE_SIZE]))
    interrupt = BatchEndInterrupt()  # first: before the checkpoint
    callbacks = [interrupt, _schedule(config, drops, tracker), tracker,
                 EpochCheckpoint(run_dir, tracker), *writers,
                 RunProgress(config.epochs, tracker)]  # after schedule
    shuffled = shuffled_epochs(data.x_train, data.y_train, config.seed)
    with interrupt:
        try:
            for epoch in range(tracker.epochs_completed, config.epochs):
                interrupt.check()
                if tracker.diverged or should_stop_early(
                        tracker.history, config.early_stop_patience):
                    break
                reseed_generators(trainer, config.seed, epoch)
                x_epoch, y_epoch = shuffled.take(epoch)
                if epoch + 1 < config.epochs:
                    shuffled.prepare(epoch + 1)
                trainer.fit(
                    x_epoch, y_epoch, shuffle=False,
                    batch_size=config.batch_size, initial_epoch=epoch,
                    epochs=epoch + 1, verbose=verbose, callbacks=callbacks,
                    validation_data=(data.x_eval, data.y_eval),
                )
            interrupt.check()
        except KeyboardInterrupt:
            raise RunInterrupted(run_dir, tracker.epochs_completed) from None
        finally:
            shuffled.close()
            for writer in writers:
                writer.close()
    return finish_run(config, run_dir, network_of(trainer, config),
                      trainer.optimizer, tracker, data)
