"""SigmoidPReLU (seed 000): alpha = sigmoid(beta) starts at 0.5, stays in
(0, 1), negative slope 1 - alpha; learns; saves and loads."""

import keras
import numpy as np
import pytest

import nin
from nin.layers import SigmoidPReLU


def test_alpha_starts_at_exactly_one_half():
    layer = SigmoidPReLU()
    y = keras.ops.convert_to_numpy(
        layer(np.array([[-2.0, -1.0, 0.0, 3.0]], "float32")))
    assert keras.ops.convert_to_numpy(layer.beta).tolist() == [0.0] * 4
    assert keras.ops.convert_to_numpy(layer.alpha).tolist() == [0.5] * 4
    np.testing.assert_array_equal(y, [[-1.0, -0.5, 0.0, 3.0]])


def test_negative_slope_is_one_minus_sigmoid_beta():
    layer = SigmoidPReLU()
    x = np.array([[-4.0, 2.0]], "float32")
    layer.build(x.shape)
    layer.beta.assign([2.0, 2.0])  # alpha = 0.880797
    y = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(y, [[-4.0 * 0.11920292, 2.0]], rtol=1e-6)
    # alpha near 1 is nearly ReLU, near 0 nearly linear (seed 000).
    layer.beta.assign([-8.0, -8.0])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x))[0, 0],
                               -4.0 * (1 - 1 / (1 + np.exp(8.0))), rtol=1e-6)


def test_one_sgd_step_moves_beta_by_the_analytic_gradient():
    # f(-1) = -(1 - alpha) = -0.5; mse to -1: dL/df = 2(f + 1) = 1;
    # df/dalpha = -x = 1; dalpha/dbeta = alpha (1 - alpha) = 0.25.
    model = keras.Sequential([keras.Input((1,)), SigmoidPReLU()])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
    model.fit(np.array([[-1.0]]), np.array([[-1.0]]), epochs=1, verbose=0)
    beta = keras.ops.convert_to_numpy(model.layers[0].beta)[0]
    assert beta == pytest.approx(-0.25, rel=1e-6)
    alpha = keras.ops.convert_to_numpy(model.layers[0].alpha)[0]
    assert alpha == pytest.approx(0.4378235, rel=1e-6)
    assert 0.0 < alpha < 1.0


def test_one_beta_per_channel_in_conv_models():
    relu = nin.build_model("nin", activation="relu", batch_norm=False,
                           he_init=True, width=0.125)
    sprelu = nin.build_model("nin", activation="sprelu", batch_norm=False,
                             he_init=True, width=0.125)
    channels = sum(layer.filters for layer in sprelu.layers
                   if isinstance(layer, keras.layers.Conv2D))
    assert sprelu.count_params() == relu.count_params() + channels
    betas = sprelu.get_layer("block1_conv1_act").beta
    assert tuple(betas.shape) == (1, 1, 24)


@pytest.mark.parametrize("kwargs,message", [
    ({"initial_alpha": 1.0}, "initial_alpha must be a number in"),
    ({"shared_axes": [0]}, "shared_axes must be input axes"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SigmoidPReLU(**kwargs)


def test_round_trip_and_safe_mode_reload(tmp_path):
    layer = SigmoidPReLU(shared_axes=[1, 2], initial_alpha=0.3)
    again = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer))
    assert type(again) is SigmoidPReLU
    assert again.get_config() == layer.get_config()
    model = nin.build_model("vgg", activation="sprelu", batch_norm=True,
                            he_init=True, width=0.125)
    model.get_layer("fc1_act").beta.assign(np.linspace(-1, 1, 64))
    x = np.random.default_rng(0).normal(size=(2, 32, 32, 3))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-5)
    assert nin.layers.activations.ACTIVATION_LABELS["sprelu"] == "SPReLU"
