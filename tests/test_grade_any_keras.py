"""`labs/grade.py` on a mixed class: our toolkit's run folder, a Keras 3
hand-in, a tf.keras 2 hand-in and a Keras 3 hand-in whose model holds a
Lambda, graded in one call of the grader's command line.

The toolkit student is the finished ELU+BN+WI run of
`tests/fixtures/runs-29fd1da` (digits, width 0.125); the others are
what students write themselves: a small NIN-like `Sequential` (standard
layers, ELU, BN, He init), trained 3 epochs on the digits images
standardized as ours are, with `keras.callbacks.TensorBoard`, saved with
`model.save` - Keras 3 in this process, tf.keras 2 (`tf_keras`) in a
subprocess. The rubric asks for that one run, so the class costs seconds
of training. The re-measured accuracies are checked against each
model's own `model.evaluate` on the grader's test set.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from grading import cli as grade
from grading.rubric import DEFAULT_RUBRIC



def needs_the_model_readers():
    """The student-model reader, comparison, interpreter and input
    conventions of grading/models/ (their own branch of the work)."""
    for name in ("saved_model", "nin_comparison", "interpreter",
                 "preprocessing"):
        pytest.importorskip(f"grading.models.{name}",
                            reason="not in this branch yet")

RUN = "ELU+BN+WI"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "runs-29fd1da"
EPOCHS = 3

# One builder for both Keras versions: `keras` is Keras 3 or tf_keras.
BUILD = """
def build(keras):
    he = lambda: keras.initializers.VarianceScaling(
        2.0, "fan_out", "untruncated_normal", seed=0)
    def conv(filters, size):
        return [keras.layers.Conv2D(filters, size, padding="same",
                                    kernel_initializer=he()),
                keras.layers.BatchNormalization(),
                keras.layers.Activation("elu")]
    return keras.Sequential([
        keras.Input((32, 32, 3)), *conv(16, 5), *conv(16, 1),
        keras.layers.MaxPooling2D(3, 2, padding="same"),
        keras.layers.Dropout(0.5), *conv(10, 1),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Activation("softmax")])
"""

TF_KERAS_STUDENT = BUILD + """
import sys
import numpy as np
import tf_keras as keras
keras.utils.set_random_seed(0)
data = np.load(sys.argv[1])
model = build(keras)
model.compile(keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
              "sparse_categorical_crossentropy", metrics=["accuracy"])
# The lab's drops (81, 122 of 164) scaled to 3 epochs: after epoch 1
# and 2 (grading.checks.items.schedule).
model.fit(data["x_train"], data["y_train"], batch_size=128, epochs=3,
          validation_data=(data["x_test"], data["y_test"]), verbose=0,
          callbacks=[keras.callbacks.LearningRateScheduler(
                         lambda epoch: 0.1 * 0.1 ** epoch),
                     keras.callbacks.TensorBoard(sys.argv[2])])
model.save(sys.argv[3])
loss, accuracy = model.evaluate(data["x_test"], data["y_test"], verbose=0)
print(accuracy)
"""


def digits():
    from nin.data import (
        apply_standardization,
        load_dataset,
        training_statistics,
    )

    (x_train, y_train), (x_test, y_test) = load_dataset("digits")
    mean, std = training_statistics(x_train)
    return (apply_standardization(x_train, mean, std).astype("float32"),
            np.asarray(y_train).reshape(-1),
            apply_standardization(x_test, mean, std).astype("float32"),
            np.asarray(y_test).reshape(-1))


def with_lambda(path, marker):
    """The saved model followed by a Lambda that writes `marker` when it
    runs (it must never run in the grader)."""
    network = keras.saving.load_model(path)
    inputs = keras.Input((32, 32, 3))
    payload = eval(  # our own test payload, built from a literal
        f"lambda x: (open({str(marker)!r}, 'w').write('ran'), x)[1]")
    outputs = keras.layers.Lambda(payload, output_shape=(10,),
                                  name="payload")(network(inputs))
    path.unlink()
    keras.Model(inputs, outputs).save(path)


def keras3_student(folder, data):
    namespace = {}
    exec(BUILD, namespace)  # our own builder, shared with the subprocess
    x_train, y_train, x_test, y_test = data
    model = namespace["build"](keras)
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=EPOCHS,
              validation_data=(x_test, y_test), verbose=0,
              callbacks=[keras.callbacks.TensorBoard(
                  str(folder / "logs"))])  # Keras 3 logs the rate itself
    model.save(folder / "model.keras")
    return float(model.evaluate(x_test, y_test, verbose=0)[1])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("mixed")
    submissions, out = base / "submissions", base / "out"
    data = digits()
    shutil.copytree(FIXTURE / RUN, submissions / "toolkit" / "logs" / RUN)
    folder = submissions / "keras3" / "elu_bn_wi"
    folder.mkdir(parents=True)
    evaluated = {"keras3": keras3_student(folder, data)}
    np.savez(base / "digits.npz", x_train=data[0], y_train=data[1],
             x_test=data[2], y_test=data[3])
    (submissions / "tfkeras" / "models").mkdir(parents=True)
    completed = subprocess.run(
        [sys.executable, "-c", TF_KERAS_STUDENT, str(base / "digits.npz"),
         str(submissions / "tfkeras" / "tb" / "ELU-BN-WI"),
         str(submissions / "tfkeras" / "models" / "nin_elu_bn_wi.h5")],
        capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    evaluated["tfkeras"] = float(completed.stdout.split()[-1])
    lambda_run = submissions / "lambda" / "ELU+BN+WI"
    shutil.copytree(folder, lambda_run)
    marker = base / "lambda_ran"
    with_lambda(lambda_run / "model.keras", marker)
    rubric = json.loads(DEFAULT_RUBRIC.read_text())
    rubric["runs"] = [RUN]
    (base / "rubric.json").write_text(json.dumps(rubric))
    assert grade.main([str(submissions), "--out", str(out), "--dataset",
                       "digits", "--rubric", str(base / "rubric.json"),
                       "--precision", "fp32", "--timeout", "300"]) == 0
    results = {name: json.loads((out / name / "results.json").read_text())
               for name in ("toolkit", "keras3", "tfkeras", "lambda")}
    return {"results": results, "evaluated": evaluated, "marker": marker}


def record(graded, student):
    return graded["results"][student]["extra_data"]["runs"][RUN]


def items_of(graded, student):
    return {entry["name"].split(": ", 1)[1]: entry
            for entry in graded["results"][student]["tests"]}


@pytest.mark.parametrize("student, source", [
    ("keras3", "keras3"), ("tfkeras", "keras2-h5")])
def test_a_foreign_model_is_remeasured_as_keras_evaluates_it(graded,
                                                             student,
                                                             source):
    needs_the_model_readers()
    run = record(graded, student)
    assert run["source"] == source
    assert run["remeasured_accuracy"] == pytest.approx(
        graded["evaluated"][student], abs=0.01)
    assert run["detected"] == {"activation": "elu", "bn": True,
                               "he_init": True}
    assert run["preprocessing"]
    assert run["logged_accuracy"] == pytest.approx(
        graded["evaluated"][student], abs=0.01)


def test_where_the_files_were_found(graded):
    needs_the_model_readers()  # a foreign run's record is made once it is measured
    assert record(graded, "keras3")["folder"] == "elu_bn_wi"
    assert record(graded, "tfkeras")["folder"] == "models"
    assert "tb/ELU-BN-WI" in items_of(graded, "tfkeras")[
        "run present"]["output"]


def test_the_schedule_is_checked_from_the_logged_rate(graded):
    """Keras 3's TensorBoard callback logs the learning rate by itself
    (`epoch_learning_rate`, Keras 3.15): the Keras 3 student's constant
    0.1 is read and fails the schedule; tf.keras logged its rate too
    (`epoch_lr`) and it drops as the lab's does. A run with no rate
    logged goes to the TA (tests/test_grade_foreign_checks.py)."""
    needs_the_model_readers()
    assert record(graded, "keras3")["not_checked"] == []
    schedule = items_of(graded, "keras3")["step learning-rate schedule"]
    assert schedule["status"] == "failed"
    assert schedule["score"] == 0
    assert record(graded, "tfkeras")["not_checked"] == []
    assert items_of(graded, "tfkeras")["step learning-rate schedule"][
        "status"] == "passed"


def test_our_run_folder_fills_the_same_record(graded):
    run = record(graded, "toolkit")
    results = json.loads((FIXTURE / RUN / "results.json").read_text())
    assert run["source"] == "toolkit"
    assert run["folder"] == f"logs/{RUN}"
    assert run["remeasured_accuracy"] == pytest.approx(
        results["test_accuracy"], abs=0.005)
    assert run["logged_accuracy"] == results["test_accuracy"]
    assert run["detected"] == {"activation": "elu", "bn": True,
                               "he_init": True}
    assert run["not_checked"] == []


def test_a_model_holding_code_is_not_run(graded):
    assert not graded["marker"].exists()
    needs_the_model_readers()
    run = record(graded, "lambda")
    assert run["remeasured_accuracy"] is None
    assert "code" in run["remeasured_reason"]
    assert "accuracy" in [entry["item"] for entry in run["not_checked"]]
    flags = graded["results"]["lambda"]["extra_data"]["flags"]
    assert any("code in model file (not run)" in flag for flag in flags)
