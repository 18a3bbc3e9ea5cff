"""A foreign student's run re-measured against a toolkit student's (a
benchmark).

`labs/bench_grading.py foreign --run-dir DIR` takes one of our run
folders (DIR; without it, a small ELU+BN+WI run is trained on the digits
first) and makes the same network as a student's own Keras code would
save it: the same layers, all standard Keras (`BatchNormalization`
instead of ours), the run's trained weights, `model.save("x.keras")`.
It then times, in turns, what the sandboxed worker does to re-measure
each, each time with a fresh grading context (so the compiled graph is
traced in every call, as for one student):

- `toolkit`: read `model.keras` as data, rebuild our model for the claimed
  config, copy the arrays in, evaluate (`grading.models.remeasure`);
- `foreign`: read the file as data (`grading.models.saved_model`),
  rebuild it with the interpreter of standard layers, screen the input
  conventions and evaluate the kept one (`grading.models.interpreter`,
  `grading.models.preprocessing`), the logged accuracy being the run's.

`--test-copies K` repeats the test set K times (the same accuracy, K
times the images), to see the share of the fixed costs and of the
screening shrink as on a CIFAR-sized test set. It prints the seconds of
each (the median of the repeats), their ratio (foreign / toolkit), both
re-measured accuracies and the difference, in points, of the foreign one
from the model's own `model.evaluate` on the same standardized test set.
No test runs this.
"""

import json
import statistics as stats
import tempfile
from pathlib import Path

from grading.inputs.measure import _model_facts, claimed_settings, read_json
from grading.models import interpreter, preprocessing, remeasure
from grading.models.saved_model import read_saved_model
from grading.rubric import load_rubric
from grading.sandbox.context import Context
from nin.bench.timing import interleaved_seconds

RUN = "ELU+BN+WI"


def small_run(logs, epochs=1, width=0.125):
    """A small ELU+BN+WI run of our toolkit on the digits."""
    from nin.training import RunConfig, train

    settings = load_rubric()["required"][RUN]
    config = RunConfig(**settings, dataset="digits", epochs=epochs,
                       width=width, logdir=str(logs))
    train(config, verbose=0)
    return next(path.parent for path in Path(logs).rglob("config.json"))


def as_students_save_it(run_dir, path):
    """Our run's model as standard Keras layers, saved to `path`; its
    Keras model (our own file, loaded by Keras: not a student's)."""
    import keras

    import nin.layers  # noqa: F401  (registers our layers for loading)

    ours = keras.saving.load_model(run_dir / "model.keras")
    config = keras.saving.serialize_keras_object(ours)
    for layer in config["config"]["layers"]:
        if layer.get("registered_name") == "nin>BatchNormalization":
            layer.update(module="keras.layers",
                         class_name="BatchNormalization",
                         registered_name=None)
    standard = keras.saving.deserialize_keras_object(config)
    standard.set_weights(ours.get_weights())
    standard.save(path)
    return standard


def measure_foreign_speed(run_dir=None, repeats=3, precision="auto",
                          test_copies=1):
    import numpy as np

    from nin.data import load_dataset

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        run_dir = Path(run_dir) if run_dir else small_run(base / "logs")
        config = read_json(run_dir / "config.json")
        claimed = claimed_settings(config)
        required = {key: config[key] for key in
                    ("activation", "batch_norm", "he_init")}
        logged = read_json(run_dir / "results.json").get("test_accuracy")
        train, (x_test, y_test) = load_dataset(claimed["dataset"])
        # The test set repeated: the same accuracy, more images to time.
        data = (train, (np.concatenate([x_test] * test_copies),
                        np.concatenate([y_test] * test_copies)))
        student_file = base / "student.keras"
        standard = as_students_save_it(run_dir, student_file)
        results = {}

        def context():
            return Context(claimed["dataset"], None, 1e-5, precision,
                           data=data)

        def toolkit():
            grading = context()
            student = _model_facts(run_dir / "model.keras")
            built = remeasure.reference(claimed, required, grading)
            results["toolkit"] = remeasure.evaluate(built, student, grading)

        def foreign():
            grading = context()
            student = read_saved_model(student_file)
            rebuilt = interpreter.build_predictor(student)
            results["foreign"] = preprocessing.evaluate_closest(
                rebuilt, grading, logged, None)

        timings = interleaved_seconds({"toolkit": toolkit,
                                       "foreign": foreign}, repeats)
        x_test, y_test = context().test_set()
        standard.compile(loss="sparse_categorical_crossentropy",
                         metrics=["accuracy"])
        evaluated = float(standard.evaluate(
            x_test, y_test, verbose=0, batch_size=256,
            return_dict=True)["accuracy"])
    toolkit_s = stats.median(timings["toolkit"])
    foreign_s = stats.median(timings["foreign"])
    measured = results["foreign"]
    return {
        "run": str(run_dir.name), "test_images": int(len(y_test)),
        "test_copies": test_copies, "repeats": repeats,
        "toolkit_s": round(toolkit_s, 3), "foreign_s": round(foreign_s, 3),
        "ratio_foreign_to_toolkit": round(foreign_s / toolkit_s, 3),
        "toolkit_accuracy": results["toolkit"]["accuracy"],
        "foreign_accuracy": measured["accuracy"],
        "keras_evaluate_accuracy": evaluated,
        "foreign_minus_evaluate_points": round(
            100 * (measured["accuracy"] - evaluated), 3),
        "foreign_preprocessing": measured["preprocessing"],
        "foreign_why": measured["why"],
        "precision": measured["precision"],
        "all_seconds": json.dumps({key: [round(v, 3) for v in values]
                                   for key, values in timings.items()}),
    }
