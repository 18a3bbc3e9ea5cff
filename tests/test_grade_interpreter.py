"""grading/models/interpreter + preprocessing: a student's own Keras model
rebuilt from its config (standard layers only), re-measured as Keras's
own model.evaluate measures it, under the input convention it was trained
with; what the interpreter refuses, with the reason."""

import copy
import json
import shutil

import h5py
import keras
import numpy as np
import pytest

from grading.models.interpreter import build_predictor
from grading.models.preprocessing import (
    CONVENTIONS,
    apply,
    evaluate_closest,
    statistics,
)
from grading.models.saved_model import read_saved_model
from grading.sandbox.context import Context


def context_of(models, precision="fp32"):
    """The grader's context on the fixture's 8x8 digits (raw pixels)."""
    return Context("digits", None, 1e-5, precision, data=(
        (models.x_train, models.y_train), (models.raw_test, models.y_test)))


@pytest.mark.parametrize("name", ["relu_keras3", "relu_keras3_h5",
                                  "relu_bn_keras3", "relu_bn_keras3_h5",
                                  "lrelu_keras2"])
def test_predictions_are_keras_own(student_models, name):
    rebuilt = build_predictor(read_saved_model(student_models.good[name]))
    assert rebuilt.compiled().fallback_reason is None  # BN folded, fused
    probabilities = rebuilt.predict(student_models.x_test)
    saved = np.load(student_models.folder / (
        name.removesuffix("_h5") + "_probabilities.npy"))
    assert np.array_equal(probabilities.argmax(1), saved.argmax(1))
    np.testing.assert_allclose(probabilities, saved, atol=1e-4)
    accuracy = float(np.mean(probabilities.argmax(1)
                             == student_models.y_test))
    assert accuracy == pytest.approx(
        student_models.accuracies[name.removesuffix("_h5")], abs=1e-6)


def test_keras2_spellings_are_read(student_models):
    """tf.keras 2's LeakyReLU(alpha=0.01) and Softmax, and the same file
    rewritten as Keras 2.0 saved it: a bare list of layers, the input
    shape on the first layer, `Convolution2D`, `MaxPool2D`."""
    path = student_models.good["lrelu_keras2"]
    rebuilt = build_predictor(read_saved_model(path))
    slopes = [layer.negative_slope for layer in rebuilt.model.layers
              if isinstance(layer, keras.layers.LeakyReLU)]
    assert slopes == pytest.approx([0.01] * 3)
    old = student_models.folder / "keras20.h5"
    shutil.copy(path, old)
    with h5py.File(old, "r+") as handle:
        config = json.loads(handle.attrs["model_config"])
        layers = config["config"]["layers"]
        shape = layers.pop(0)["config"]["batch_input_shape"]
        layers[0]["config"]["batch_input_shape"] = shape
        layers[0]["class_name"] = "Convolution2D"
        for layer in layers:
            if layer["class_name"] == "MaxPooling2D":
                layer["class_name"] = "MaxPool2D"
        handle.attrs["model_config"] = json.dumps(
            {"class_name": "Sequential", "config": layers})
    again = build_predictor(read_saved_model(old))
    assert np.array_equal(again.predict(student_models.x_test),
                          rebuilt.predict(student_models.x_test))


def trained_under(name, models):
    """A small Keras 3 CNN trained on the digits in convention `name`,
    and its own model.evaluate accuracy on the test set."""
    keras.utils.set_random_seed(0)
    context = context_of(models)
    channels = models.x_train.shape[-1]
    stats = statistics(name, context, channels)
    model = keras.Sequential([
        keras.Input(models.x_train.shape[1:]),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Flatten(), keras.layers.Dense(10),
        keras.layers.Softmax()])
    model.compile(keras.optimizers.Adam(0.01),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(apply(models.x_train, *stats), models.y_train, epochs=4,
              batch_size=64, verbose=0)
    evaluated = model.evaluate(apply(models.raw_test, *stats),
                               models.y_test, verbose=0)[1]
    return model, float(evaluated)


@pytest.fixture(scope="module")
def per_convention(student_models, tmp_path_factory):
    folder = tmp_path_factory.mktemp("conventions")
    made = {}
    for name in CONVENTIONS:
        model, accuracy = trained_under(name, student_models)
        model.save(folder / "model.keras")
        made[name] = (read_saved_model(folder / "model.keras"), accuracy)
    return made


@pytest.mark.parametrize("name", list(CONVENTIONS))
def test_the_convention_it_was_trained_under_is_found(student_models,
                                                      per_convention, name):
    student, evaluated = per_convention[name]
    assert evaluated > 0.8  # a model that learned, so conventions differ
    measured = evaluate_closest(build_predictor(student),
                                context_of(student_models, "auto"),
                                evaluated, None)
    assert measured["preprocessing"] == name, measured["why"]
    assert measured["accuracy"] == pytest.approx(evaluated, abs=0.01)
    assert measured["why"].startswith(
        f"closest to the logged validation accuracy {evaluated:.1%}")
    assert set(measured["screened"]) == set(CONVENTIONS)


def test_without_a_logged_accuracy_the_highest_is_kept(student_models,
                                                       per_convention):
    student, evaluated = per_convention["x/255"]
    measured = evaluate_closest(build_predictor(student),
                                context_of(student_models), None, None)
    assert measured["preprocessing"] == "x/255"
    assert measured["why"].startswith("the highest (no accuracy logged)")
    assert measured["accuracy"] == pytest.approx(evaluated, abs=1e-6)


def test_the_manifest_convention_is_used_as_named(student_models,
                                                  per_convention):
    student, _ = per_convention["[-1,1]"]
    rebuilt = build_predictor(student)
    context = context_of(student_models)
    named = evaluate_closest(rebuilt, context, 0.99, "x/255")
    assert (named["preprocessing"], named["why"], named["screened"]) == (
        "x/255", "named in the manifest", {})
    probabilities = rebuilt.predict(apply(
        student_models.raw_test, *statistics("x/255", context, 3)))
    assert named["accuracy"] == float(np.mean(
        probabilities.argmax(1) == student_models.y_test))
    with pytest.raises(ValueError, match="Expected one of standardize-"
                       "train, cifar10-constants, x/255, \\[-1,1\\]. "
                       "Received: 'yuv'"):
        evaluate_closest(rebuilt, context, None, "yuv")


def test_a_model_for_other_images_is_refused(student_models,
                                             per_convention):
    student, _ = per_convention["x/255"]
    context = Context("digits", None, 1e-5, "fp32")  # 32x32x3 digits
    with pytest.raises(ValueError, match=r"Expected a model taking the "
                       r"test images \(32, 32, 3\). Received: input shape "
                       r"\(8, 8, 3\)"):
        evaluate_closest(build_predictor(student), context, None, None)


@pytest.mark.parametrize("path", ["custom_class", "lambda_h5"])
def test_a_layer_that_is_not_standard_is_refused(student_models, path):
    student = read_saved_model(getattr(student_models, path))
    cls = "MyLayer" if path == "custom_class" else "Lambda"
    with pytest.raises(ValueError, match=rf"not re-measured: layer \S+ "
                       rf"\({cls}\) is not a standard layer"):
        build_predictor(student)
    assert not student_models.marker.exists()


def edited(student_models, change):
    student = copy.deepcopy(read_saved_model(
        student_models.good["relu_bn_keras3"]))
    conv = next(layer for layer in student["layers"]
                if layer["class"] == "Conv2D")
    change(student, conv)
    return student


@pytest.mark.parametrize("change, message", [
    (lambda s, conv: s["arrays"][conv["name"]].__setitem__(
        0, np.zeros((3, 3, 3, 16), "float32")),
     r"Expected arrays of shapes \[\(5, 5, 3, 16\), \(16,\)\]. Received: "
     r"\[\(3, 3, 3, 16\), \(16,\)\]"),
    (lambda s, conv: conv["config"].update(filters=60000),
     r"Expected arrays of shapes \[\(5, 5, 3, 60000\), \(60000,\)\]"),
    (lambda s, conv: conv["config"].update(filters=10 ** 9),
     r"filters: Expected an integer in \[1, 65536\]. Received: "
     r"'1000000000'"),
    (lambda s, conv: s["layers"][0]["config"].update(
        batch_shape=[None, 4096, 4096, 3]),
     r"Expected an input of known size"),
    (lambda s, conv: conv["config"].update(groups=2),
     r"groups: Expected an integer in \[1, 1\]"),
    (lambda s, conv: conv["config"].update(activation="my_act"),
     r"activation: Expected a built-in activation name. Received: "
     r"'my_act'"),
    (lambda s, conv: conv["config"].update(data_format="channels_first"),
     r"data_format: Expected one of \['channels_last', None\]"),
    (lambda s, conv: next(layer for layer in s["layers"] if layer[
        "class"] == "BatchNormalization")["config"].update(axis=1),
     r"axis: Expected the channel axis \(-1 or 3\). Received: 1"),
    (lambda s, conv: conv["config"].update(call_hook="os.system"),
     r"has settings this grader does not interpret: call_hook"),
])
def test_wrong_arrays_huge_or_unknown_settings_are_refused(
        student_models, change, message):
    student = edited(student_models, change)
    with pytest.raises(ValueError, match=message):
        build_predictor(student)


@pytest.mark.parametrize("spelling", ["reshape_and_pool", "maximum"])
def test_a_maxout_of_standard_layers_is_rebuilt_as_written(tmp_path,
                                                          spelling):
    """Maxout as students write it without a custom class: a conv's
    channels reshaped into pieces and max-pooled, or a Maximum over two
    convs (a functional graph)."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    if spelling == "reshape_and_pool":
        x = keras.layers.Conv2D(16, 3, padding="same")(inputs)
        x = keras.layers.Reshape((8, 8, 8, 2))(x)
        x = keras.layers.MaxPooling3D(pool_size=(1, 1, 2))(x)
        x = keras.layers.Reshape((8, 8, 8))(x)
    else:
        x = keras.layers.Maximum()([
            keras.layers.Conv2D(8, 3, padding="same")(inputs),
            keras.layers.Conv2D(8, 3, padding="same")(inputs)])
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Softmax()(keras.layers.Dense(10)(x))
    model = keras.Model(inputs, outputs)
    model.save(tmp_path / "maxout.keras")
    student = read_saved_model(tmp_path / "maxout.keras")
    assert not student["holds_code"], student["findings"]
    images = np.random.default_rng(0).normal(size=(64, 8, 8, 3)).astype(
        "float32")
    np.testing.assert_allclose(build_predictor(student).predict(images),
                               model.predict(images, verbose=0), atol=1e-5)
