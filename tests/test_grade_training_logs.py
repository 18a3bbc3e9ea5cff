"""Training logs as students' Keras writes them (`grading.inputs.training_logs`).

Written by the real thing: Keras 3's `keras.callbacks.TensorBoard` and
`CSVLogger` in this process, tf.keras 2's (`tf_keras`) in a subprocess,
and Keras 2.0's layout (one folder, `acc`/`val_acc`/`lr` as
`simple_value` scalars, through TF1's `FileWriter` as Keras 2.0 did) in
another; a tiny model, 2 epochs, the rate halved after each epoch.
"""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from grading.inputs.training_logs import read_training_logs

EPOCHS = 2
RATES = [0.1, 0.05]

TF_KERAS_SCRIPT = """
import sys
import numpy as np
import tf_keras as keras
keras.utils.set_random_seed(0)
x = np.random.rand(64, 8, 8, 3).astype("float32")
y = np.random.randint(0, 10, 64)
model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3),
    keras.layers.GlobalAveragePooling2D(),
    keras.layers.Dense(10, activation="softmax")])
model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0, callbacks=[
    keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 * 0.5 ** epoch),
    keras.callbacks.TensorBoard(sys.argv[1])])
"""

# Keras 2.0's TensorBoard.on_epoch_end: a tf.Summary of simple_values per
# epoch into one FileWriter (keras/callbacks.py of Keras 2.0.x).
KERAS_2_0_SCRIPT = """
import sys
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
writer = tf.compat.v1.summary.FileWriter(sys.argv[1])
logs = [{"acc": 0.25, "loss": 2.1, "val_acc": 0.2, "val_loss": 2.2,
         "lr": 0.1},
        {"acc": 0.5, "loss": 1.5, "val_acc": 0.4, "val_loss": 1.7,
         "lr": 0.05}]
for epoch, values in enumerate(logs):
    for name, value in values.items():
        summary = tf.compat.v1.Summary()
        entry = summary.value.add()
        entry.simple_value = value
        entry.tag = name
        writer.add_summary(summary, epoch)
    writer.flush()
writer.close()
"""


def run_script(source, folder):
    completed = subprocess.run([sys.executable, "-c", source, str(folder)],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    base = tmp_path_factory.mktemp("logs")
    x = np.random.default_rng(0).random((64, 8, 8, 3)).astype("float32")
    y = np.random.default_rng(1).integers(0, 10, 64)
    model = keras.Sequential([
        keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    (base / "csv").mkdir()
    history = model.fit(x, y, epochs=EPOCHS, validation_data=(x, y),
                        verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda e: 0.1 * 0.5 ** e),
        keras.callbacks.TensorBoard(str(base / "keras3")),
        keras.callbacks.CSVLogger(str(base / "csv" / "training.csv"))])
    (base / "history").mkdir()
    (base / "history" / "history.json").write_text(json.dumps(
        {key: [float(value) for value in values]
         for key, values in history.history.items()}))
    run_script(TF_KERAS_SCRIPT, base / "tf_keras")
    run_script(KERAS_2_0_SCRIPT, base / "keras2_0")
    return base, history.history


def values(scalars, key):
    return [value for _, value in scalars[key]]


@pytest.mark.parametrize("kind, format", [
    ("keras3", "tensorboard (train/, validation/)"),
    ("tf_keras", "tensorboard (train/, validation/)"),
    ("keras2_0", "tensorboard (one folder)"),
    ("history", "history.json"), ("csv", "CSVLogger csv")])
def test_every_kind_gives_both_curves_and_the_rate_per_epoch(logs, kind,
                                                            format):
    base, _ = logs
    read = read_training_logs(base / kind)
    assert read["format"] == format
    scalars = read["scalars"]
    assert sorted(scalars) == ["test/epoch_accuracy", "test/epoch_loss",
                               "train/epoch_accuracy", "train/epoch_loss",
                               "train/learning_rate"]
    for points in scalars.values():
        assert [step for step, _ in points] == list(range(EPOCHS))
    assert values(scalars, "train/learning_rate") == pytest.approx(RATES)


@pytest.mark.parametrize("kind", ["keras3", "history", "csv"])
def test_the_values_are_kerass_own(logs, kind):
    base, history = logs
    scalars = read_training_logs(base / kind)["scalars"]
    assert values(scalars, "train/epoch_loss") == pytest.approx(
        history["loss"], rel=1e-6)
    assert values(scalars, "test/epoch_accuracy") == pytest.approx(
        history["val_accuracy"], rel=1e-6)


def test_keras_2_0_names_map_onto_ours(logs):
    scalars = read_training_logs(logs[0] / "keras2_0")["scalars"]
    assert values(scalars, "train/epoch_accuracy") == pytest.approx(
        [0.25, 0.5])
    assert values(scalars, "test/epoch_accuracy") == pytest.approx(
        [0.2, 0.4])
    assert values(scalars, "test/epoch_loss") == pytest.approx([2.2, 1.7])


def test_a_folder_without_logs_is_none_and_bad_files_say_why(tmp_path):
    assert read_training_logs(tmp_path) is None
    assert read_training_logs(tmp_path / "absent") is None
    (tmp_path / "history.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="Expected .metric"):
        read_training_logs(tmp_path)
    (tmp_path / "history.json").unlink()
    (tmp_path / "log.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="'epoch' column. Received"):
        read_training_logs(tmp_path)
