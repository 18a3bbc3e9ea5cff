"""Rebuild a run's model from our code and re-measure it (in the sandbox).

Trust nothing: the model is built by `nin.build_model` with the settings
the run *requires* (activation, BN, He init from its name) at the width and
options the student's config.json claims; the student's arrays are copied
in layer by layer (shapes must match exactly) and the model is evaluated on
the test set standardized with training-set statistics, as training did.
An optional `initial.weights.h5` (the weights before training) is
measured: each kernel's std against the std its initializer should give.

Evaluation runs a compiled inference graph (`grading.models.inference`),
one per architecture and worker. In bfloat16 (where the CPU computes it
natively) the accuracy is still float32's: a calibration sample measures
how far bf16 moves the probabilities, and every image whose top-two margin
is within a safe multiple of that is computed again in float32, so no
prediction bf16 could flip is left in bf16 (`recheck`).
"""

import json
import time

import numpy as np
from grading.models import inspect_model

MAX_WIDTH = 4.0
WEIGHTED_CLASSES = ("Conv2D", "Dense")
CALIBRATION_IMAGES = 256
RECHECK_SAFETY = 4.0  # recheck margins below 4x twice the largest error
MIN_RECHECK_MARGIN = 0.02


def reference(claimed, required, context):
    """{"model": our keras model, "facts": its description for checks}."""
    import keras

    from nin.models import build_model, model_options

    width = claimed["width"]
    if not 0 < width <= MAX_WIDTH:
        raise ValueError(f"width {width} is outside (0, {MAX_WIDTH}]")
    options = {key: value for key, value in claimed["model_options"].items()
               if key in model_options(claimed["model"])}
    x_test, _ = context.test_set()
    model = build_model(
        claimed["model"], num_classes=context.num_classes,
        input_shape=tuple(x_test.shape[1:]), width=width,
        **required, **options)
    config = json.loads(json.dumps(
        keras.saving.serialize_keras_object(model)))
    layers = inspect_model.describe_layers(config)
    facts = {
        "layers": [{key: layer[key] for key in ("name", "class",
                                                "signature", "inputs")}
                   for layer in layers],
        "param_count": int(model.count_params()),
        "initializers": [
            {"layer": layer["name"],
             "initializer": inspect_model.initializer_of(layer["config"])}
            for layer in layers if layer["class"] in WEIGHTED_CLASSES],
    }
    key = json.dumps([claimed["model"], claimed["width"], options,
                      required["activation"], required["batch_norm"],
                      list(x_test.shape[1:]), context.num_classes])
    return {"model": model, "facts": facts, "architecture": key}


def student_weight_lists(student):
    """The student's arrays per weighted layer, in their saved layer order."""
    arrays = student["arrays"]
    return [(layer["name"], arrays[layer["name"]])
            for layer in student["layers"] if arrays.get(layer["name"])]


def load_into(model, student):
    """Copy the student's arrays into our model; shapes must all match."""
    ours = [layer for layer in model.layers if layer.weights]
    theirs = student_weight_lists(student)
    if len(ours) != len(theirs):
        raise ValueError(
            f"the file has weights for {len(theirs)} layers, the required "
            f"architecture has {len(ours)} layers with weights")
    for layer, (name, arrays) in zip(ours, theirs):
        expected = [tuple(weight.shape) for weight in layer.weights]
        found = [tuple(array.shape) for array in arrays]
        if expected != found:
            raise ValueError(
                f"weights of {name[:60]!r} have shapes {found}, our "
                f"{layer.name} needs {expected}")
        layer.set_weights(arrays)


def evaluate(built, student, context):
    """{"accuracy", "loss", how it was computed} of our model holding the
    student's weights."""
    start = time.perf_counter()
    model = built["model"]
    load_into(model, student)
    predictor = context.predictor(built["architecture"], model)
    predictor.load(model)
    x_test, y_test = context.test_set()
    measured = predict_checked(predictor, x_test, context)
    return {**scores(measured.pop("probabilities"), y_test), **measured,
            "seconds": round(time.perf_counter() - start, 2)}


def predict_checked(predictor, images, context, known=None):
    """{"probabilities", "precision", "rechecked_in_fp32", "batch_size",
    "compiled"}: the test images through `predictor` in the context's
    precision, bf16's doubtful predictions computed again in float32.
    `known`: (precision, rows, their probabilities) already computed
    (a screening sample's), reused where the precision is the same."""
    precision = context.precision
    if predictor.fallback_reason or len(images) <= CALIBRATION_IMAGES:
        precision = "fp32"  # a calibration sample would be the whole set
    batch = context.batch_size(predictor)
    if known is not None and known[0] == precision:
        _, rows, values = known
        rest = np.setdiff1d(np.arange(len(images)), rows)
        probabilities = np.empty((len(images), values.shape[1]), "float32")
        probabilities[rows] = values
        probabilities[rest] = predictor.predict(images[rest], precision,
                                                batch)
    else:
        probabilities = predictor.predict(images, precision, batch)
    rechecked = 0
    if precision != "fp32":
        rechecked = recheck(predictor, images, probabilities, batch)
    return {"probabilities": probabilities, "precision": precision,
            "rechecked_in_fp32": rechecked, "batch_size": batch,
            "compiled": predictor.fallback_reason is None}


def scores(probabilities, labels):
    """{"accuracy", "loss"} of class probabilities against labels."""
    # A diverged model predicts NaN; argmax then picks class 0, as Keras's
    # accuracy metric does, and the loss is not a number (None).
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == labels))
    picked = probabilities[np.arange(len(labels)), labels]
    loss = float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))
    return {"accuracy": accuracy,
            "loss": loss if np.isfinite(loss) else None}


def top_two_margin(probabilities):
    """Top-1 minus top-2 probability per image (NaN where not finite)."""
    top = np.sort(probabilities, axis=1)[:, -2:]
    return top[:, 1] - top[:, 0]


def recheck(predictor, images, probabilities, batch):
    """Recompute in float32, in place, every image whose prediction the
    bf16 rounding could have flipped; returns how many were rechecked.

    The rounding's effect is measured on a calibration sample (evenly
    spread over the test set); an argmax flips only if the top-two margin
    moves by more than twice the largest probability error, so margins
    below `RECHECK_SAFETY` times that (at least `MIN_RECHECK_MARGIN`) are
    recomputed. Rows that are not finite (a diverged model's NaN) stay:
    bf16 has float32's exponent range, so float32 gives NaN there too."""
    count = min(CALIBRATION_IMAGES, len(images))
    sample = np.linspace(0, len(images) - 1, count).astype(int)
    exact = predictor.predict(images[sample], "fp32", batch)
    error = np.abs(exact - probabilities[sample])
    error = float(np.max(error[np.isfinite(error)], initial=0.0))
    probabilities[sample] = exact
    margin = top_two_margin(probabilities)
    threshold = max(MIN_RECHECK_MARGIN, RECHECK_SAFETY * 2 * error)
    unsure = margin < threshold  # False for NaN margins
    unsure[sample] = False
    if unsure.any():
        probabilities[unsure] = predictor.predict(images[unsure], "fp32",
                                                  batch)
    return int(unsure.sum()) + count


def initial_stats(path, built, student):
    """Each kernel's std in the initial-weights file vs the expected std."""
    if path.stat().st_size > inspect_model.WEIGHTS_MAX_BYTES:
        raise ValueError(f"{path.name} is too big")
    arrays = inspect_model.weight_arrays(path.read_bytes())
    names = [layer["name"] for layer in student["layers"]
             if layer["class"] in WEIGHTED_CLASSES]
    ours = [layer for layer in built["model"].layers
            if layer.__class__.__name__ in WEIGHTED_CLASSES]
    missing = [name for name in names if not arrays.get(name)]
    if len(names) != len(ours) or missing:
        raise ValueError(f"{path.name} does not hold one kernel per layer "
                         f"of the model (missing: {missing[:3]})")
    return [{"layer": name[:60], "std": float(np.std(arrays[name][0])),
             "expected_std": _expected_std(layer, item["initializer"])}
            for name, layer, item in zip(
                names, ours, built["facts"]["initializers"])]


def _expected_std(layer, initializer):
    """RandomNormal's stddev, or VarianceScaling's sqrt(scale / fan_out)."""
    config = initializer["config"]
    if initializer["class_name"] == "RandomNormal":
        return float(config["stddev"])
    kernel = layer.kernel.shape
    fan_out = int(np.prod(kernel[:-2])) * int(kernel[-1])
    return float(np.sqrt(config.get("scale", 1.0) / fan_out))
