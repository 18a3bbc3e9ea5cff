"""The end of a run: evaluate, save `model.keras`, write `results.json`.

`results.json` (written last: its presence means "finished") holds the
final test accuracy and loss, the tracker's summary (best accuracy on the
per-epoch evaluation split, clocks, divergence), whether early stopping
ended the run, the per-epoch history (losses, accuracies, learning rate,
training seconds) and, in sanity mode, the final accuracy on the training
subset in inference mode.
"""

import numpy as np

from callbacks import save_model_atomic, write_json_atomic
from callbacks.plateau import should_stop_early
from nin.training.run_folder import RESULTS_FILE
from nin.training.runtime import environment


def _finite_or_none(value):
    value = float(value)
    return value if np.isfinite(value) else None


def finish_run(config, run_dir, network, optimizer, tracker, data):
    """Evaluate `network` on the test set, save it, write results.json."""
    # The bare network shares the trained optimizer, so model.keras loads
    # compiled, with its momentum, ready to evaluate or train on.
    network.compile(optimizer=optimizer,
                    loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    test_loss, test_accuracy = network.evaluate(
        data.x_test, data.y_test, batch_size=config.batch_size, verbose=0)
    save_model_atomic(network, run_dir / "model.keras")
    stopped_early = (not tracker.diverged
                     and tracker.epochs_completed < config.epochs
                     and should_stop_early(tracker.history,
                                           config.early_stop_patience))
    results = {
        "run_name": config.run_name,
        "test_accuracy": _finite_or_none(test_accuracy),
        "test_loss": _finite_or_none(test_loss),
        **tracker.summary(),
        "stopped_early": stopped_early,
        "history": tracker.history,
        "environment": environment(),
    }
    if config.overfit_batches:
        train_loss, train_accuracy = network.evaluate(
            data.x_train, data.y_train, batch_size=config.batch_size,
            verbose=0)
        results["train_accuracy"] = _finite_or_none(train_accuracy)
        results["train_loss"] = _finite_or_none(train_loss)
    write_json_atomic(run_dir / RESULTS_FILE, results)
    return results
