"""The training smoke of `labs/check.py`: once every part is written, a
short ELU+BN+WI run on scikit-learn's bundled digits (offline), the same
run as the README's first command, only shorter.

It trains with the student's parts (He init, BN placement, ELU, the step
schedule, pad-crop-flip) through the toolkit's own loop, then loads the
saved model.keras in safe mode. It passes when the run finished, did not
diverge, and its test accuracy is well above chance (10 classes).
"""

import tempfile
from pathlib import Path

import keras

DEFAULT_EPOCHS = 6
MIN_ACCURACY = 0.5  # chance is 0.1; the README's 10 epochs reach ~0.95


def run_smoke(epochs=DEFAULT_EPOCHS):
    """(passed, one line saying what happened)."""
    import nin  # noqa: F401  (registers the layers for the load below)
    from nin.training import RunConfig, train

    with tempfile.TemporaryDirectory() as logdir:
        config = RunConfig(activation="elu", batch_norm=True, he_init=True,
                           dataset="digits", width=0.25, batch_size=32,
                           epochs=epochs, logdir=logdir)
        results = train(config, verbose=0)
        run = f"{config.run_name} on digits, {epochs} epoch(s)"
        if results.get("diverged"):
            return False, (f"{run}: expected training to converge. "
                           f"Received: diverged at epoch "
                           f"{results.get('diverged_epoch')}")
        accuracy = results.get("test_accuracy") or 0.0
        if accuracy < MIN_ACCURACY:
            return False, (f"{run}: expected a test accuracy of at least "
                           f"{MIN_ACCURACY:.0%}. Received: {accuracy:.1%}")
        keras.saving.load_model(Path(logdir) / config.run_name /
                                "model.keras", safe_mode=True)
        return True, f"{run}: test accuracy {accuracy:.1%}"
