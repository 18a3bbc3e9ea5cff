"""The public checks of the lab's parts: what `labs/check.py` runs.

One check per part (the names of grading/assignment/release.json, which
the release requires to have one here). Each check calls the student's
code on small fixed inputs and compares it with what the lab's handout
states: shapes, a save/load round trip, the values the spec gives
(LReLU's slope 0.01, the drops at epochs 81 and 122, He's
sqrt(2 / (k*k*C_out)), the NIN's 972,658 parameters with BN), and the
invariants of pad-crop-flip. It says nothing the handout does not.

A check ends in one of

    done      every comparison held
    not yet   the part raises NotImplementedError (the kit's stub)
    waits     another part it needs is not written yet (named)
    wrong     a comparison failed: what was expected, what was received
"""

import math
import re
import tempfile
from pathlib import Path

import keras
import numpy as np

DONE, NOT_YET, WAITS, WRONG = "done", "not yet", "waits", "wrong"
# The kit's stub message (grading/assignment/markers.py writes it); Keras
# wraps it in its own text when a layer's call raises it.
STUB_PART = re.compile(r"Part (\w+) \(spec section [^\n\x1b]*")
TOLERANCE = 1e-5
STD_TOLERANCE = 0.03  # relative: the std of ~18,000 draws is within 1%


class Wrong(Exception):
    """A comparison failed; the message says expected and received."""


def expect_close(what, expected, received, tolerance=TOLERANCE):
    expected = np.asarray(expected, dtype="float64")
    received = np.asarray(received, dtype="float64")
    if expected.shape != received.shape:
        raise Wrong(f"{what}: expected shape {expected.shape}. "
                    f"Received: shape {received.shape}")
    error = np.abs(expected - received)
    if not np.all(error <= tolerance * (1 + np.abs(expected))):
        index = np.unravel_index(np.nanargmax(np.where(
            np.isnan(error), np.inf, error)), error.shape)
        raise Wrong(f"{what}: expected {expected[index]:.6g} at index "
                    f"{tuple(int(i) for i in index)}. Received: "
                    f"{received[index]:.6g}")


def expect_std(what, weights, std):
    measured = float(np.std(weights))
    if abs(measured - std) > STD_TOLERANCE * std:
        raise Wrong(f"{what}: expected std {std:.4g}. Received: std "
                    f"{measured:.4g}")
    mean = float(np.mean(weights))
    if abs(mean) > 0.05 * std:
        raise Wrong(f"{what}: expected mean 0. Received: mean {mean:.4g}")


def saved_and_loaded(model):
    """`model` after a .keras save and a safe-mode load."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return keras.saving.load_model(path, safe_mode=True)


def check_maxout():
    from nin.layers.maxout import Maxout

    rng = np.random.default_rng(0)
    for pieces, shape in ((2, (2, 3, 3, 8)), (3, (4, 9))):
        inputs = rng.normal(size=shape).astype("float32")
        received = np.asarray(Maxout(pieces=pieces)(inputs))
        expected = inputs.reshape(
            *shape[:-1], shape[-1] // pieces, pieces).max(axis=-1)
        expect_close(f"Maxout(pieces={pieces}) on shape {shape}, the max "
                     f"of each {pieces} consecutive channels", expected,
                     received)
    inputs = keras.Input((4, 4, 6))
    model = keras.Model(inputs, Maxout(pieces=3)(inputs))
    batch = rng.normal(size=(2, 4, 4, 6)).astype("float32")
    expect_close("Maxout saved and loaded (.keras, safe mode)",
                 model.predict(batch, verbose=0),
                 saved_and_loaded(model).predict(batch, verbose=0))


def check_he_init():
    from nin.models.initializers import he_normal_fan_out

    for shape in ((3, 3, 32, 64), (100, 200)):
        weights = np.asarray(he_normal_fan_out(seed=0)(shape))
        fan_out = math.prod(shape[:-2]) * shape[-1] if len(shape) > 2 \
            else shape[-1]
        std = math.sqrt(2 / fan_out)
        expect_std(f"He init of a {shape} kernel, sqrt(2 / {fan_out})",
                   weights, std)
        beyond = float(np.mean(np.abs(weights) > 2 * std))
        if beyond < 0.03:  # an untruncated normal: 4.6% beyond 2 std
            raise Wrong(f"He init of a {shape} kernel: expected an "
                        "untruncated normal (4.6% of the weights beyond 2 "
                        f"std). Received: {beyond:.1%} beyond 2 std")


def check_wi_off():
    from nin.models.initializers import kernel_initializer

    for first_layer, std in ((True, 0.01), (False, 0.05)):
        initializer = kernel_initializer(False, first_layer=first_layer,
                                         seed=0)
        weights = np.asarray(initializer((3, 3, 32, 64)))
        layer = "the first layer" if first_layer else "the other layers"
        expect_std(f"WI off, {layer}", weights, std)


NIN_PARAMETERS_WITH_BN = 972_658  # the spec, at 10 classes and 32x32x3


def check_bn_placement():
    import nin

    # Kaiming init, so that this check needs no initializer part.
    model = nin.build_model("nin", activation="relu", batch_norm=True,
                            he_init=False, init="kaiming")
    layers = model.layers
    for index, layer in enumerate(layers):
        if not isinstance(layer, keras.layers.Conv2D):
            continue
        following = [type(later).__name__
                     for later in layers[index + 1:index + 3]]
        if following[:1] != ["BatchNormalization"] or \
                following[1:] == ["BatchNormalization"]:
            raise Wrong(f"NIN with BN, after conv {layer.name}: expected "
                        "BatchNormalization, then the activation. "
                        f"Received: {', '.join(following)}")
    count = model.count_params()
    if count != NIN_PARAMETERS_WITH_BN:
        raise Wrong(f"NIN with BN: expected {NIN_PARAMETERS_WITH_BN:,} "
                    f"parameters. Received: {count:,}")


def check_activations():
    from nin.layers.activations import make_activation

    x = np.array([[-2.0, -1.0, 0.0, 1.0, 2.0]], dtype="float32")
    expected = {"lrelu": np.where(x > 0, x, 0.01 * x),
                "elu": np.where(x > 0, x, np.expm1(x))}
    for name, values in expected.items():
        layer = make_activation(name, layer_name=f"{name}_act")
        if layer.name != f"{name}_act":
            raise Wrong(f"make_activation({name!r}, layer_name='{name}_act')"
                        f": expected a layer named '{name}_act'. Received: "
                        f"{layer.name!r}")
        expect_close(f"{name} on {x.ravel().tolist()}", values, layer(x))
        copy = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(layer))
        expect_close(f"{name} after serialization", values, copy(x))


def check_step_schedule():
    from callbacks.schedules import step_decay

    received = [step_decay(epoch) for epoch in range(164)]
    drops = [epoch for epoch in range(1, 164)
             if received[epoch] < received[epoch - 1]]
    for epoch, rate in enumerate(received):
        expected = 0.1 if epoch < 81 else 0.01 if epoch < 122 else 0.001
        if not isinstance(rate, float) or not math.isclose(
                rate, expected, rel_tol=1e-6):
            raise Wrong(f"step_decay({epoch}): expected {expected:g} (drops "
                        "at epochs 81 and 122, counted from 0). Received: "
                        f"{rate!r}; the schedule drops at epochs {drops}")
    custom = [step_decay(epoch, base_lr=1.0, drops=(2, 4), factor=0.5)
              for epoch in range(6)]
    expect_close("step_decay(epoch, base_lr=1, drops=(2, 4), factor=0.5) "
                 "for epochs 0..5", [1, 1, 0.5, 0.5, 0.25, 0.25], custom)


def _crop_of(image, padded, pad):
    """(row, column, flipped) of the window of `padded` that `image` is,
    or None."""
    size = image.shape[0]
    for row in range(2 * pad + 1):
        for column in range(2 * pad + 1):
            window = padded[row:row + size, column:column + size]
            for flipped, candidate in ((0, window), (1, window[:, ::-1])):
                if np.array_equal(candidate, image):
                    return row, column, flipped
    return None


def check_pad_crop_flip():
    from nin.layers.pad_crop_flip import PadCropFlip

    rng = np.random.default_rng(0)
    images = rng.normal(size=(24, 12, 12, 2)).astype("float32")
    layer = PadCropFlip(pad=4, seed=1)
    output = np.asarray(layer(images, training=True))
    expect_close("PadCropFlip output shape", images.shape, output.shape)
    padded = np.pad(images, [(0, 0), (4, 4), (4, 4), (0, 0)])
    found = []
    for index in range(len(images)):
        where = _crop_of(output[index], padded[index], 4)
        if where is None:
            raise Wrong(f"PadCropFlip(pad=4), training image {index}: "
                        "expected a 12x12 window at an offset in 0..8 of "
                        "the image padded with 4 zeros, flipped or not. "
                        "Received: no such window matches")
        found.append(where)
    offsets = {where[:2] for where in found}
    flips = sum(where[2] for where in found)
    if len(offsets) == 1:
        raise Wrong("PadCropFlip: expected an independent offset per image. "
                    f"Received: offset {offsets.pop()} for all 24 images")
    if not 0 < flips < len(found):
        raise Wrong("PadCropFlip: expected a left-right flip of about half "
                    f"of the images. Received: {flips} of 24 flipped")
    expect_close("PadCropFlip at inference (identity)", images,
                 layer(images, training=False))
    plain = PadCropFlip(pad=0, flip=False)
    expect_close("PadCropFlip(pad=0, flip=False) in training (identity)",
                 images, plain(images, training=True))
    copy = PadCropFlip.from_config(layer.get_config())
    if (copy.pad, copy.flip, copy.seed) != (4, True, 1):
        raise Wrong("PadCropFlip.from_config(get_config()): expected pad=4, "
                    f"flip=True, seed=1. Received: pad={copy.pad}, "
                    f"flip={copy.flip}, seed={copy.seed}")


CHECKS = {
    "maxout": check_maxout,
    "he_init": check_he_init,
    "wi_off": check_wi_off,
    "bn_placement": check_bn_placement,
    "activations": check_activations,
    "step_schedule": check_step_schedule,
    "pad_crop_flip": check_pad_crop_flip,
}


def run_check(name):
    """(status, detail) of the part `name`'s public check."""
    if name not in CHECKS:
        raise ValueError(f"Expected a part among {sorted(CHECKS)}. "
                         f"Received: {name!r}")
    try:
        CHECKS[name]()
    except NotImplementedError as error:
        stub = STUB_PART.search(str(error))
        if stub and stub[1] != name:
            return WAITS, f"needs part {stub[1]} first"
        return NOT_YET, stub[0] if stub else (
            str(error) or "NotImplementedError")
    except Wrong as error:
        return WRONG, str(error)
    except Exception as error:  # the student's code failed: say how
        return WRONG, (f"expected the check to run. Received: "
                       f"{type(error).__name__}: {error}")
    return DONE, ""


def part_names(kit):
    """The parts to check: the kit's (kit.json), or all of them in the
    full toolkit, where every part is written."""
    return [part["name"] for part in kit["parts"]] if kit else list(CHECKS)


def check_parts(names):
    """[(name, status, detail)] in the order of `names`."""
    return [(name, *run_check(name)) for name in names]


def format_results(results):
    """One line per part, then a count; the text `check` prints."""
    width = max((len(name) for name, _, _ in results), default=0)
    lines = [f"{name:<{width}}  {status:<7}  {detail}".rstrip()
             for name, status, detail in results]
    done = sum(status == DONE for _, status, _ in results)
    lines.append(f"{done} of {len(results)} parts done.")
    return "\n".join(lines)
