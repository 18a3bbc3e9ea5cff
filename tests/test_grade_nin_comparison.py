"""grading.models.nin_comparison: a student's own model file against the
lab's NIN, in plain words, and what it says the student ran.

Real files first (the `student_models` fixture: Keras 3 `.keras` and
`.h5`, tf.keras 2 `.h5`), then `.h5` files written here with hand-made
`model_config`s, one per spelling a student may use (Keras 2 and Keras
3 configs), each read back by `read_saved_model` as the grader does.
The lab's NIN is written out here on purpose (seed 001, Table 1), so a
change to nin.models shows up as a failing comparison.
"""

import json

import h5py
import pytest

from grading.models.nin_comparison import compare, find_width
from grading.models.saved_model import read_saved_model

RELU = {"activation": "relu", "batch_norm": False, "he_init": True}
RELU_BN = {"activation": "relu", "batch_norm": True, "he_init": True}
ELU_BN = {"activation": "elu", "batch_norm": True, "he_init": True}
LRELU_BN = {"activation": "lrelu", "batch_norm": True, "he_init": True}
MAXOUT_BN = {"activation": "maxout", "batch_norm": True, "he_init": True}

# (kernel, filters) per conv, "pool", "dropout"; None = one per class.
NIN = [(5, 192), (1, 160), (1, 96), "pool", "dropout",
       (5, 192), (1, 192), (1, 192), "pool", "dropout",
       (3, 192), (1, 192), (1, None)]
BN_NEEDED = "no BN, NIN has conv -> BN -> activation"

INITIALIZERS = {  # kernel_initializer as each Keras version saves it
    "variance scaling fan_out (Keras 3)": {
        "module": "keras.initializers", "class_name": "VarianceScaling",
        "config": {"scale": 2.0, "mode": "fan_out", "seed": None,
                   "distribution": "untruncated_normal"},
        "registered_name": None},
    "HeNormal (Keras 3)": {"module": "keras.initializers",
                           "class_name": "HeNormal",
                           "config": {"seed": None}, "registered_name": None},
    "HeUniform (tf.keras 2)": {"class_name": "HeUniform",
                               "config": {"seed": None}},
    "variance scaling fan_in (Keras 2.0)": {
        "class_name": "VarianceScaling",
        "config": {"scale": 2.0, "mode": "fan_in", "distribution": "normal",
                   "seed": None}},
    "he_normal by name": "he_normal",
    "GlorotUniform (Keras 2)": {"class_name": "GlorotUniform",
                                "config": {"seed": None}},
    "VarianceScaling scale 1": {
        "class_name": "VarianceScaling",
        "config": {"scale": 1.0, "mode": "fan_in", "distribution": "normal"}},
    "a custom class": {"module": "my_inits", "class_name": "MyInit",
                       "config": {}, "registered_name": "Custom>MyInit"},
}


class Config:
    """A Sequential model_config in Keras 2 or Keras 3 spelling."""

    def __init__(self, keras=3):
        self.keras, self.layers, self.count = keras, [], 0

    def add(self, class_name, module="keras.layers", **config):
        self.count += 1
        layer = {"class_name": class_name,
                 "config": {"name": f"{class_name.lower()}_{self.count}",
                            "trainable": True, **config}}
        if self.keras == 3:
            layer.update(module=module, registered_name=None)
        self.layers.append(layer)
        return layer


def activation(config, kind, spell, slope=0.01, spatial=(32, 32), channels=0):
    """The layers after a conv that compute `kind`, spelled `spell`."""
    if spell == "Activation":
        config.add("Activation", activation=kind)
    elif spell == "layer" and kind == "relu":
        config.add("ReLU", max_value=None, negative_slope=0.0, threshold=0.0)
    elif spell == "layer" and kind == "elu":
        config.add("ELU", alpha=1.0)
    elif spell == "LeakyReLU":
        config.add("LeakyReLU", **({"negative_slope": slope}
                                   if config.keras == 3 else {"alpha": slope}))
    elif spell == "LeakyReLU default":
        config.add("LeakyReLU")
    elif spell == "ReLU slope":
        config.add("ReLU", max_value=None, negative_slope=slope,
                   threshold=0.0)
    elif spell == "nin":
        layer = config.add("Maxout", module="nin.layers.maxout", pieces=2)
        layer["registered_name"] = "nin>Maxout"
    elif spell == "reshape + MaxPooling3D":
        config.add("Reshape", target_shape=[*spatial, channels, 1])
        config.add("MaxPooling3D", pool_size=[1, 1, 2], strides=[1, 1, 2],
                   padding="valid", data_format="channels_last")
        config.add("Reshape", target_shape=[*spatial, channels // 2])
    elif spell == "permute + MaxPooling1D":
        config.add("Reshape", target_shape=[spatial[0] * spatial[1],
                                            channels])
        config.add("Permute", dims=[2, 1])
        config.add("MaxPooling1D", pool_size=2, strides=2, padding="valid",
                   data_format="channels_last")
        config.add("Permute", dims=[2, 1])
        config.add("Reshape", target_shape=[*spatial, channels // 2])
    elif spell == "reshape + pooling over space":  # not a Maxout
        config.add("Reshape", target_shape=[*spatial, channels, 1])
        config.add("MaxPooling3D", pool_size=[2, 1, 1], strides=[1, 1, 1],
                   padding="same", data_format="channels_last")
        config.add("Reshape", target_shape=[*spatial, channels])
    elif spell == "custom, pieces":
        config.add("MaxoutLayer", module="student_layers", pieces=2)
    elif spell == "custom, num_units (tfa)":
        config.add("Maxout", module="tensorflow_addons.layers.maxout",
                   num_units=channels // 2, axis=-1)
    elif spell == "custom, nothing":
        config.add("MyMaxout", module="student_layers")
    elif spell == "Lambda":
        config.add("Lambda", function="4wEAAAAAAAAA", output_shape=None)


def nin_config(keras=3, act="relu", spell="inside", width=0.125, bn=False,
               bn_after=False, no_bn=(), filters=None, kernels=None,
               pools=("max", "max"), dropout=0.5, head="Softmax",
               initializer="variance scaling fan_out (Keras 3)", slope=0.01,
               last_activation=True):
    """The lab's NIN as a student writes it, with the changes asked."""
    config = Config(keras)
    shape = [None, 32, 32, 3]
    config.add("InputLayer", **({"batch_shape": shape} if keras == 3
                                else {"batch_input_shape": shape}))
    filters, kernels = filters or {}, kernels or {}
    spatial, conv, pool = [32, 32], 0, 0
    pieces = 2 if act == "maxout" else 1
    for stage in NIN:
        if stage == "pool":
            config.add({"max": "MaxPooling2D", "average": "AveragePooling2D"}
                       [pools[pool]], pool_size=[3, 3], strides=[2, 2],
                       padding="same")
            pool += 1
            spatial = [size // 2 for size in spatial]
            continue
        if stage == "dropout":
            config.add("Dropout", rate=dropout)
            continue
        conv += 1
        kernel, nin_filters = stage
        count = filters.get(conv, 10 if nin_filters is None else
                            round(nin_filters * width)) * pieces
        settings = {"filters": count,
                    "kernel_size": [kernels.get(conv, kernel)] * 2,
                    "strides": [1, 1], "padding": "same",
                    "dilation_rate": [1, 1], "use_bias": True,
                    "activation": act if spell == "inside" else "linear"}
        if initializer is not None:
            settings["kernel_initializer"] = INITIALIZERS[initializer]
        config.add("Conv2D", **settings)
        use_bn = bn and conv not in no_bn
        if use_bn and not bn_after:
            config.add("BatchNormalization", axis=-1, center=True,
                       scale=True)
        if spell != "inside" and (last_activation or conv < 9):
            activation(config, act, spell, slope, spatial, count)
        if use_bn and bn_after:
            config.add("BatchNormalization", axis=-1)
    config.add("GlobalAveragePooling2D")
    if head == "Softmax":
        config.add("Softmax", axis=-1)
    elif head == "Activation":
        config.add("Activation", activation="softmax")
    return config


def read(tmp_path, config):
    """The config saved as a model.h5 and read as the grader reads it."""
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps({
            "class_name": "Sequential",
            "config": {"name": "sequential", "layers": config.layers}})
        handle.attrs["keras_version"] = "3.11.0" if config.keras == 3 \
            else "2.15.0"
        handle.create_group("model_weights")
    return read_saved_model(path)


# ---- the real files ----

FIXTURE_NIN = "conv 2: 12 filters, NIN at width 0.083 has 13"
CUSTOM_NOTE = ("not checkable: layer my_layer (MyLayer) holds code "
               "(not run)")
ALL_CONVS_MISSING = (
    "missing after the input: NIN's conv 1 (5x5, 192 filters), conv 2 "
    "(1x1, 160 filters), conv 3 (1x1, 96 filters), pool 1 (max 3x3, "
    "stride 2, same), dropout 1 (0.5), conv 4 (5x5, 192 filters), conv 5 "
    "(1x1, 192 filters), conv 6 (1x1, 192 filters), pool 2 (max 3x3, "
    "stride 2, same), dropout 2 (0.5), conv 7 (3x3, 192 filters), conv 8 "
    "(1x1, 192 filters), conv 9 (1x1, 10 filters)")


@pytest.mark.parametrize("name, required, differences, detected", [
    # Keras 3 `.keras`: activation='relu' inside Conv2D, He fan_out.
    ("relu_keras3", RELU, [FIXTURE_NIN], ("relu", False, True)),
    ("relu_keras3_h5", RELU, [FIXTURE_NIN], ("relu", False, True)),
    # ReLU() layers after BN: the same as Activation('relu').
    ("relu_bn_keras3", RELU_BN, [FIXTURE_NIN], ("relu", True, True)),
    ("relu_bn_keras3_h5", ELU_BN, [
        FIXTURE_NIN, "every conv: ReLU, the run needs ELU"],
     ("relu", True, True)),
    # tf.keras 2: LeakyReLU(alpha=0.01), one block, no BN; he_normal
    # but for the class map (Keras's default GlorotUniform): not He.
    ("lrelu_keras2", LRELU_BN, [
        FIXTURE_NIN,
        "missing after dropout 1: NIN's conv 4 (5x5, 16 filters), conv 5 "
        "(1x1, 16 filters), conv 6 (1x1, 16 filters), pool 2 (max 3x3, "
        "stride 2, same), dropout 2 (0.5), conv 7 (3x3, 16 filters), "
        "conv 8 (1x1, 16 filters)",
        "conv 4: no activation, NIN has LReLU (slope 0.01)",
        f"every conv: {BN_NEEDED}"], ("lrelu", False, False)),
])
def test_real_files(student_models, name, required, differences, detected):
    compared = compare(read_saved_model(student_models.good[name]),
                       required)
    assert compared["differences"] == differences
    assert compared["detected"] == dict(zip(("activation", "bn", "he_init"),
                                            detected))
    assert compared["width"] == 0.083


def test_files_that_hold_code(student_models):
    custom = compare(read_saved_model(student_models.custom_class), RELU)
    assert custom["differences"] == [
        ALL_CONVS_MISSING,
        "missing after global average pooling: NIN's softmax", CUSTOM_NOTE]
    assert custom["detected"] == {"activation": None, "bn": False,
                                  "he_init": None}
    assert custom["width"] == 1.0
    lambda_h5 = compare(read_saved_model(student_models.lambda_h5), RELU)
    assert lambda_h5["differences"] == [
        ALL_CONVS_MISSING,
        "missing after global average pooling: NIN's softmax",
        "not checkable: layer lambda (Lambda) holds code (not run)"]
    assert not student_models.marker.exists()


# ---- spellings and differences, Keras 2 and Keras 3 configs ----

CASES = {
    # Equivalent spellings: nothing differs.
    "K3 activation= in Conv2D, Softmax layer": (
        {}, RELU, [], ("relu", False, True)),
    "K2 Activation layers, Activation('softmax')": (
        {"keras": 2, "spell": "Activation", "head": "Activation",
         "initializer": "HeUniform (tf.keras 2)"}, RELU, [],
        ("relu", False, True)),
    "K3 ReLU layers after BN, HeNormal": (
        {"spell": "layer", "bn": True, "initializer": "HeNormal (Keras 3)"},
        RELU_BN, [], ("relu", True, True)),
    "K3 ELU layers at full width": (
        {"act": "elu", "spell": "layer", "bn": True, "width": 1.0}, ELU_BN,
        [], ("elu", True, True)),
    "K2 pool 2 average (the reference code)": (
        {"keras": 2, "pools": ("max", "average")}, RELU, [],
        ("relu", False, True)),
    # Differences.
    "K3 conv 4 with 160 filters at full width": (
        {"width": 1.0, "filters": {4: 160}}, RELU,
        ["conv 4: 160 filters, NIN has 192"], ("relu", False, True)),
    "K2 wrong kernel, average pool 1, dropout 0.3": (
        {"keras": 2, "kernels": {1: 3}, "pools": ("average", "max"),
         "dropout": 0.3}, RELU,
        ["conv 1: kernel 3x3, NIN has 5x5",
         "pool 1: average-pooling, NIN has max-pooling",
         "dropout 1: rate 0.3, NIN has 0.5",
         "dropout 2: rate 0.3, NIN has 0.5"], ("relu", False, True)),
    "K3 no softmax (logits)": (
        {"head": None}, RELU,
        ["missing after global average pooling: NIN's softmax"],
        ("relu", False, True)),
    "K3 no BN where the run needs it": (
        {}, RELU_BN, [f"every conv: {BN_NEEDED}"], ("relu", False, True)),
    "K3 BN missing after conv 3 only": (
        {"spell": "Activation", "bn": True, "no_bn": (3,)}, RELU_BN,
        [f"conv 3: {BN_NEEDED}"], ("relu", True, True)),
    "K2 BN after the activation": (
        {"keras": 2, "bn": True, "bn_after": True}, RELU_BN,
        ["every conv: BN after the activation, NIN has conv -> BN -> "
         "activation"], ("relu", True, True)),
    "K3 BN where the run has none": (
        {"spell": "layer", "bn": True}, RELU,
        ["every conv: BN, the run has none"], ("relu", True, True)),
    "K3 class map without its activation": (
        {"spell": "Activation", "last_activation": False}, RELU,
        ["conv 9: no activation, NIN has ReLU"], ("relu", False, True)),
    # LeakyReLU: Keras 2 alpha, Keras 3 negative_slope, ReLU's slope.
    "K2 LeakyReLU(alpha=0.01)": (
        {"keras": 2, "act": "lrelu", "spell": "LeakyReLU", "bn": True},
        LRELU_BN, [], ("lrelu", True, True)),
    "K3 LeakyReLU(negative_slope=0.01)": (
        {"act": "lrelu", "spell": "LeakyReLU", "bn": True}, LRELU_BN, [],
        ("lrelu", True, True)),
    "K3 ReLU(negative_slope=0.01)": (
        {"act": "lrelu", "spell": "ReLU slope", "bn": True}, LRELU_BN, [],
        ("lrelu", True, True)),
    "K3 LeakyReLU slope 0.2": (
        {"act": "lrelu", "spell": "LeakyReLU", "slope": 0.2, "bn": True},
        LRELU_BN,
        ["every conv: LReLU (slope 0.2), the run needs LReLU (slope 0.01)"],
        ("lrelu", True, True)),
    "K2 LeakyReLU() at its default 0.3": (
        {"keras": 2, "act": "lrelu", "spell": "LeakyReLU default",
         "bn": True}, LRELU_BN,
        ["every conv: LReLU (slope 0.3), the run needs LReLU (slope 0.01)"],
        ("lrelu", True, True)),
    # Maxout: ours, of standard layers, a student's class.
    "K3 our Maxout": (
        {"act": "maxout", "spell": "nin", "bn": True}, MAXOUT_BN, [],
        ("maxout", True, True)),
    "K3 Reshape + MaxPooling3D + Reshape": (
        {"act": "maxout", "spell": "reshape + MaxPooling3D", "bn": True},
        MAXOUT_BN, [], ("maxout", True, True)),
    "K2 Reshape + Permute + MaxPooling1D": (
        {"keras": 2, "act": "maxout", "spell": "permute + MaxPooling1D",
         "bn": True}, MAXOUT_BN, [], ("maxout", True, True)),
    "K3 a custom Maxout whose config gives pieces": (
        {"act": "maxout", "spell": "custom, pieces", "bn": True},
        MAXOUT_BN, [], ("maxout", True, True)),
    "K2 tfa's Maxout (num_units)": (
        {"keras": 2, "act": "maxout", "spell": "custom, num_units (tfa)",
         "bn": True}, MAXOUT_BN, [], ("maxout", True, True)),
    "K3 Maxout of standard layers where the run needs ReLU": (
        {"act": "maxout", "spell": "reshape + MaxPooling3D"}, RELU,
        ["every conv: Maxout (2 pieces), the run needs ReLU"],
        ("maxout", False, True)),
    # Initializers: He in every spelling, not He, not saved.
    "K2.0 VarianceScaling fan_in, He": (
        {"keras": 2, "initializer": "variance scaling fan_in (Keras 2.0)"},
        RELU, [], ("relu", False, True)),
    "K2 he_normal by name": (
        {"keras": 2, "initializer": "he_normal by name"}, RELU, [],
        ("relu", False, True)),
    "K2 GlorotUniform (Keras's default)": (
        {"keras": 2, "initializer": "GlorotUniform (Keras 2)"}, RELU, [],
        ("relu", False, False)),
    "K2 VarianceScaling scale 1": (
        {"keras": 2, "initializer": "VarianceScaling scale 1"}, RELU, [],
        ("relu", False, False)),
    "K2 no initializer saved": (
        {"keras": 2, "initializer": None}, RELU, [], ("relu", False, None)),
    "K3 a custom initializer": (
        {"initializer": "a custom class"}, RELU, [], ("relu", False, None)),
}


@pytest.mark.parametrize("case", CASES)
def test_spellings_and_differences(tmp_path, case):
    changes, required, differences, detected = CASES[case]
    compared = compare(read(tmp_path, nin_config(**changes)), required)
    assert compared["differences"] == differences
    assert compared["detected"] == dict(zip(("activation", "bn", "he_init"),
                                            detected))
    assert compared["width"] == changes.get("width", 0.125)


@pytest.mark.parametrize("spell, note", [
    ("custom, nothing", "not checkable: layer mymaxout_{} (MyMaxout) after "
     "conv {} is a Maxout the config does not describe: its config gives "
     "neither pieces nor units"),
    ("Lambda", "not checkable: layer lambda_{} (Lambda) after conv {} holds "
     "code (not run)"),
])
def test_an_activation_the_file_does_not_describe(tmp_path, spell, note):
    config = nin_config(act="maxout", spell=spell, bn=True)
    compared = compare(read(tmp_path, config), MAXOUT_BN)
    names = [layer["config"]["name"] for layer in config.layers]
    positions = [int(name.rsplit("_", 1)[1]) for name in names
                 if name.startswith(("mymaxout", "lambda"))]
    assert compared["differences"] == [note.format(position, conv)
                                       for conv, position in enumerate(
                                           positions, start=1)]
    assert compared["detected"] == {"activation": None, "bn": True,
                                    "he_init": True}


def test_standard_layers_that_are_not_a_maxout(tmp_path):
    config = nin_config(act="maxout", spell="reshape + pooling over space",
                        bn=True)
    compared = compare(read(tmp_path, config), MAXOUT_BN)
    differences = compared["differences"]
    assert len(differences) == 10
    assert differences[0] == (
        "after conv 1: Reshape layer reshape_4, MaxPooling3D layer "
        "maxpooling3d_5, Reshape layer reshape_6, not in NIN")
    assert differences[-1] == (
        "every conv: no activation, the run needs Maxout (2 pieces)")
    # 48 channels stay 48: a plain conv net at width 0.25, no activation
    assert compared["width"] == 0.25
    assert compared["detected"]["activation"] == "linear"


def test_a_nested_model_is_read_through(tmp_path):
    inner = nin_config(spell="layer", bn=True)
    outer = Config(3)
    outer.add("InputLayer", batch_shape=[None, 32, 32, 3])
    outer.add("Sequential", module="keras",
              layers=inner.layers)["config"]["name"] = "network"
    compared = compare(read(tmp_path, outer), RELU_BN)
    assert compared["differences"] == []
    assert compared["detected"] == {"activation": "relu", "bn": True,
                                    "he_init": True}


@pytest.mark.parametrize("student, required, match", [
    ({"layers": "conv"}, RELU, "Expected a student model"),
    ({"layers": []}, {**RELU, "activation": "swish"},
     "Expected the run's settings"),
    ({"layers": []}, {**RELU, "batch_norm": "yes"},
     "Expected the run's settings"),
])
def test_bad_input_is_refused(student, required, match):
    with pytest.raises(ValueError, match=match):
        compare(student, required)


@pytest.mark.parametrize("pairs, width", [
    ([], 1.0),
    ([(192, 192), (160, 160)], 1.0),
    ([(192, 16), (160, 12), (96, 8)], 0.083),  # conv 2 off by one
    ([(192, 19), (160, 16), (96, 10)], 0.1),  # 0.1, not 19/192
    ([(192, 16), (96, 16)], 0.083),  # a tie: the earliest conv decides
])
def test_the_width_is_the_most_consistent_scaling(pairs, width):
    assert find_width(pairs) == width
