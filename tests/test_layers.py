"""Maxout and RReLU: numbers, shapes, errors, serialization round-trips."""

import keras
import numpy as np
import pytest

import nin
from nin.augment import PadCropFlip

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"


def reference_maxout(x, pieces):
    """Max over each group of `pieces` consecutive channels, in numpy."""
    units = x.shape[-1] // pieces
    out = np.empty(x.shape[:-1] + (units,), x.dtype)
    for unit in range(units):
        out[..., unit] = x[..., unit * pieces:(unit + 1) * pieces].max(-1)
    return out


@pytest.mark.parametrize("pieces,channels", [(2, 8), (3, 12), (4, 4)])
def test_maxout_equals_numpy_reference(pieces, channels):
    x = np.random.default_rng(0).normal(size=(2, 5, 5, channels))
    x = x.astype("float32")
    y = keras.ops.convert_to_numpy(nin.Maxout(pieces=pieces)(x))
    assert y.shape == (2, 5, 5, channels // pieces)
    np.testing.assert_array_equal(y, reference_maxout(x, pieces))


def test_maxout_groups_consecutive_channels():
    x = np.array([[1.0, 5.0, 2.0, -1.0]], "float32")  # groups (1,5),(2,-1)
    y = keras.ops.convert_to_numpy(nin.Maxout(pieces=2)(x))
    np.testing.assert_array_equal(y, [[5.0, 2.0]])


def test_maxout_shape_inference():
    layer = nin.Maxout(pieces=4)
    assert layer.compute_output_shape((None, 8, 8, 40)) == (None, 8, 8, 10)
    symbolic = layer(keras.Input((8, 8, 40)))
    assert tuple(symbolic.shape) == (None, 8, 8, 10)


@pytest.mark.parametrize("pieces", [1, 0, 2.5, "2", True])
def test_maxout_rejects_bad_pieces(pieces):
    with pytest.raises(ValueError, match="pieces"):
        nin.Maxout(pieces=pieces)


def test_rrelu_inference_slope_is_2_over_11():
    layer = nin.RReLU()
    x = np.array([[-11.0, -1.0, 0.0, 3.0]], "float32")
    y = keras.ops.convert_to_numpy(layer(x, training=False))
    np.testing.assert_allclose(y, [[-2.0, -2.0 / 11.0, 0.0, 3.0]],
                               rtol=1e-6)


def test_rrelu_training_slopes_are_random_per_element_in_range():
    layer = nin.RReLU(seed=3)
    x = -np.ones((64, 64), "float32")
    slopes = -keras.ops.convert_to_numpy(layer(x, training=True))
    assert slopes.min() >= 1 / 8 - 1e-6 and slopes.max() <= 1 / 3 + 1e-6
    assert len(np.unique(slopes)) > 4000  # drawn per element
    positive = keras.ops.convert_to_numpy(layer(-x, training=True))
    np.testing.assert_array_equal(positive, 1.0)


def test_rrelu_rejects_bad_bounds():
    with pytest.raises(ValueError, match="0 < lower <= upper"):
        nin.RReLU(lower=8, upper=3)


@pytest.mark.parametrize("layer", [
    nin.Maxout(pieces=3), nin.RReLU(lower=2.0, upper=6.0, seed=7),
    PadCropFlip(pad=2, flip=False, seed=5),
], ids=["maxout", "rrelu", "padcropflip"])
def test_config_round_trip(layer):
    restored = layer.__class__.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()
    serialized = keras.saving.serialize_keras_object(layer)
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is type(layer)
    assert again.get_config() == layer.get_config()


@pytest.mark.parametrize("activation", ["maxout", "rrelu", "prelu"])
def test_saved_model_reloads_in_safe_mode_with_same_outputs(tmp_path,
                                                            activation):
    model = nin.build_model("nin", activation=activation, batch_norm=True,
                            he_init=True, width=0.125)
    x = np.random.default_rng(1).normal(size=(2, 32, 32, 3))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-5)
