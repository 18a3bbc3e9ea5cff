"""The model registry: every model builds, NIN matches seed 001 exactly."""

import keras
import numpy as np
import pytest

import nin

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"

LAB_RUNS = [  # seed 001: the 2x2x2 grid plus the two extras
    (act, bn, wi) for act in ("relu", "elu")
    for bn in (False, True) for wi in (False, True)
] + [("lrelu", True, True), ("maxout", True, True)]


def layers_of(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


@pytest.mark.parametrize("name", nin.list_models())
def test_every_registered_model_builds_and_predicts(name):
    model = nin.build_model(name, activation="relu", batch_norm=True,
                            he_init=True, width=0.25)
    probabilities = model.predict(np.zeros((3, 32, 32, 3)), verbose=0)
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_registry_lists_the_three_models():
    assert nin.list_models() == ["mlp", "nin", "vgg"]


@pytest.mark.parametrize("activation", ["relu", "elu", "lrelu"])
@pytest.mark.parametrize("batch_norm,expected", [(False, 966_986),
                                                 (True, 972_658)])
def test_nin_parameter_count_matches_the_spec(activation, batch_norm,
                                              expected):
    model = nin.build_model("nin", activation=activation,
                            batch_norm=batch_norm, he_init=False)
    assert model.count_params() == expected


@pytest.mark.parametrize("activation,batch_norm,he_init", LAB_RUNS)
def test_all_ten_lab_runs_build_and_run_forward(activation, batch_norm,
                                                he_init):
    model = nin.build_model("nin", activation=activation,
                            batch_norm=batch_norm, he_init=he_init)
    output = model(np.ones((2, 32, 32, 3), "float32"), training=False)
    assert tuple(output.shape) == (2, 10)
    assert len(layers_of(model, keras.layers.Dropout)) == 2
    bn_layers = layers_of(model, keras.layers.BatchNormalization)
    assert len(bn_layers) == (9 if batch_norm else 0)


def test_nin_layer_order_and_channels():
    model = nin.build_model("nin", activation="relu", batch_norm=True,
                            he_init=True)
    convs = layers_of(model, keras.layers.Conv2D)
    assert [c.filters for c in convs] == [192, 160, 96, 192, 192, 192,
                                          192, 192, 10]
    assert [c.kernel_size[0] for c in convs] == [5, 1, 1, 5, 1, 1, 3, 1, 1]
    names = [layer.name for layer in model.layers]
    # Dropout exactly after the two pools; BN between conv and activation.
    assert names[names.index("block1_pool") + 1] == "block1_dropout"
    assert names[names.index("block2_pool") + 1] == "block2_dropout"
    conv = names.index("block3_conv3")
    assert names[conv:conv + 3] == ["block3_conv3", "block3_conv3_bn",
                                    "block3_conv3_act"]
    assert model.get_layer("global_pool").input.shape[1:3] == (8, 8)


def test_pool2_is_max_by_default_and_average_on_request():
    default = nin.build_model("nin", activation="relu", batch_norm=False,
                              he_init=False)
    average = nin.build_model("nin", activation="relu", batch_norm=False,
                              he_init=False, pool2="average")
    assert isinstance(default.get_layer("block2_pool"),
                      keras.layers.MaxPooling2D)
    assert isinstance(average.get_layer("block2_pool"),
                      keras.layers.AveragePooling2D)
    assert isinstance(average.get_layer("block1_pool"),
                      keras.layers.MaxPooling2D)


def test_maxout_nin_doubles_conv_channels_and_keeps_units():
    model = nin.build_model("nin", activation="maxout", batch_norm=True,
                            he_init=True)
    convs = layers_of(model, keras.layers.Conv2D)
    assert [c.filters for c in convs] == [384, 320, 192, 384, 384, 384,
                                          384, 384, 20]
    assert model.get_layer("block1_conv1_act").output.shape[-1] == 192
    assert model.count_params() == 1_945_316


def test_width_scales_hidden_channels_but_not_classes():
    model = nin.build_model("nin", activation="relu", batch_norm=False,
                            he_init=False, width=0.25)
    convs = layers_of(model, keras.layers.Conv2D)
    assert [c.filters for c in convs] == [48, 40, 24, 48, 48, 48, 48, 48, 10]


def vgg_reference_count(num_classes=10, channels=3, batch_norm=False):
    """Parameters of seed 003 Table 6.3, counted from the table itself."""
    total, previous = 0, channels
    for filters in (64, 64, 128, 128, 256, 256, 512, 512, 512, 512):
        total += 3 * 3 * previous * filters + filters
        total += 4 * filters if batch_norm else 0
        previous = filters
    for units in (512, 512):  # 1x1x512 after five 2x2 pools
        total += previous * units + units
        total += 4 * units if batch_norm else 0
        previous = units
    return total + previous * num_classes + num_classes


@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg_parameter_count_equals_table_6_3(batch_norm):
    model = nin.build_model("vgg", activation="relu", batch_norm=batch_norm,
                            he_init=True)
    assert model.count_params() == vgg_reference_count(batch_norm=batch_norm)
    # 2,944 conv + 1,024 dense BN channels, 4 parameters each.
    assert model.count_params() == (9_935_434 if not batch_norm
                                    else 9_935_434 + 4 * (2944 + 1024))


def test_mlp_is_three_dense_layers_of_100():
    model = nin.build_model("mlp", activation="sigmoid", batch_norm=False,
                            he_init=False)
    dense = layers_of(model, keras.layers.Dense)
    assert [d.units for d in dense] == [100, 100, 100, 10]
    assert model.count_params() == (3072 * 100 + 100 + 2 * (100 * 100 + 100)
                                    + 100 * 10 + 10)


@pytest.mark.parametrize("kwargs,message", [
    ({"name": "resnet"},
     "model must be one of: mlp, nin, vgg. Received: model='resnet'"),
    ({"activation": "swish"}, "activation must be one of: relu, elu"),
    ({"width": 0}, "width must be a positive number. Received: width=0"),
    ({"num_classes": 1}, "num_classes must be an integer >= 2"),
    ({"pool2": "min"}, "pool2 must be one of"),
    ({"colour": "red"}, "Unknown option(s) ['colour']"),
    ({"input_shape": (32, 32)}, "input_shape must be"),
])
def test_bad_arguments_raise_clear_value_errors(kwargs, message):
    arguments = {"name": "nin", "activation": "relu", "batch_norm": False,
                 "he_init": False, **kwargs}
    name = arguments.pop("name")
    with pytest.raises(ValueError) as error:
        nin.build_model(name, **arguments)
    assert message in str(error.value)


def test_maxout_with_channels_not_divisible_is_a_clear_error():
    layer = nin.Maxout(pieces=3)
    with pytest.raises(ValueError, match="divisible by pieces=3"):
        layer(np.zeros((1, 4, 4, 8), "float32"))
