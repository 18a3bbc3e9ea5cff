"""Weight init and weight decay exactly as seed 001 and the spec say."""

import math

import keras
import numpy as np
import pytest

import nin

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"


def conv_layers(model):
    return [layer for layer in model.layers
            if isinstance(layer, keras.layers.Conv2D)]


def test_he_init_std_is_sqrt_2_over_k_k_cout_within_5_percent():
    model = nin.build_model("nin", activation="relu", batch_norm=False,
                            he_init=True)
    for conv in conv_layers(model):
        kernel = keras.ops.convert_to_numpy(conv.kernel)
        k, cout = conv.kernel_size[0], conv.filters
        expected = math.sqrt(2.0 / (k * k * cout))
        assert kernel.std() == pytest.approx(expected, rel=0.05), conv.name
        assert abs(kernel.mean()) < 0.1 * expected


def test_he_init_is_untruncated():
    # A truncated normal (HeNormal) never exceeds 2 std; ours does.
    model = nin.build_model("nin", activation="relu", batch_norm=False,
                            he_init=True)
    kernel = keras.ops.convert_to_numpy(
        model.get_layer("block2_conv1").kernel)
    assert np.abs(kernel).max() > 3.5 * kernel.std()


def test_init_off_is_0_01_first_conv_and_0_05_others():
    model = nin.build_model("nin", activation="relu", batch_norm=True,
                            he_init=False)
    convs = conv_layers(model)
    stds = [keras.ops.convert_to_numpy(c.kernel).std() for c in convs]
    assert stds[0] == pytest.approx(0.01, rel=0.05)
    for conv, std in zip(convs[1:], stds[1:]):
        assert std == pytest.approx(0.05, rel=0.05), conv.name


@pytest.mark.parametrize("he_init", [False, True])
def test_biases_start_at_zero(he_init):
    model = nin.build_model("nin", activation="elu", batch_norm=False,
                            he_init=he_init, width=0.25)
    for conv in conv_layers(model):
        assert not np.any(keras.ops.convert_to_numpy(conv.bias))


def test_l2_1e_4_on_every_conv_kernel_only():
    model = nin.build_model("nin", activation="relu", batch_norm=True,
                            he_init=True, width=0.25)
    for conv in conv_layers(model):
        assert conv.kernel_regularizer.l2 == pytest.approx(1e-4)
        assert conv.bias_regularizer is None
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            assert layer.gamma_regularizer is None
            assert layer.beta_regularizer is None
    # One L2 loss term per conv kernel, nothing else.
    model(np.zeros((1, 32, 32, 3), "float32"))
    assert len(model.losses) == 9
