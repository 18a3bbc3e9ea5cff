"""Does bf16 change what the grader measures? (a benchmark)

`labs/bench_grading.py precision` trains full-size (width 1.0) runs on
the bundled digits (real images; batch 32 for a few epochs, so the
predictions are confident the way trained models' are), then
compares, on all 1,797 digits images, the compiled graph in float32
with the same graph in bf16 alone and in bf16 with the float32 recheck
(`grading.models.remeasure.recheck`): predictions that differ from float32's,
the largest probability error, the error the calibration sample saw,
and how many images the recheck computed in float32. No test runs this.
"""

import tempfile
from pathlib import Path

import numpy as np
from grading.models import remeasure
from grading.models.inference import make_predictor
from nin.training import RunConfig, train

RUNS = {"ELU+BN+WI": ("elu", True, True), "BN+WI": ("relu", True, True),
        "Maxout+BN+WI": ("maxout", True, True)}
BATCH = 256
TRAIN_BATCH = 32  # as the README's quickstart: about 95% within 10 epochs


def all_digits():
    """Every digits image, standardized as training does, and labels."""
    from nin.data import (
        apply_standardization,
        load_dataset,
        training_statistics,
    )

    (x_train, y_train), (x_test, y_test) = load_dataset("digits")
    mean, std = training_statistics(x_train)
    images = np.concatenate([x_train, x_test])
    return (apply_standardization(images, mean, std).astype("float32"),
            np.concatenate([y_train, y_test]))


def compare(model, images):
    """{figure: value} for one trained model."""
    predictor = make_predictor(model)
    predictor.load(model)
    exact = predictor.predict(images, "fp32", BATCH)
    rounded = predictor.predict(images, "bf16", BATCH)
    checked = rounded.copy()
    count = min(remeasure.CALIBRATION_IMAGES, len(images))
    sample = np.linspace(0, len(images) - 1, count).astype(int)
    rechecked = remeasure.recheck(predictor, images, checked, BATCH)
    truth = exact.argmax(axis=1)
    return {
        "differ_bf16_alone": int(np.sum(rounded.argmax(axis=1) != truth)),
        "differ_after_recheck": int(np.sum(checked.argmax(axis=1)
                                           != truth)),
        "largest_error": round(float(np.max(np.abs(rounded - exact))), 5),
        "calibration_error": round(float(np.max(np.abs(
            rounded[sample] - exact[sample]))), 5),
        "rechecked": rechecked, "images": len(images)}


def measure_precision(epochs=6):
    import keras

    images, labels = all_digits()
    result = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, (activation, batch_norm, he_init) in RUNS.items():
            train(RunConfig(activation=activation, batch_norm=batch_norm,
                            he_init=he_init, dataset="digits",
                            epochs=epochs, batch_size=TRAIN_BATCH,
                            logdir=folder), verbose=0)
            model = keras.saving.load_model(
                Path(folder) / name / "model.keras", safe_mode=True)
            figures = compare(model, images)
            figures["accuracy"] = round(float(np.mean(model.predict(
                images, batch_size=BATCH, verbose=0).argmax(axis=1)
                == labels)), 4)
            result[name] = figures
    return result
