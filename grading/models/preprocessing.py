"""The input convention of a student's own model, and its re-measurement.

A saved Keras model does not say how its inputs were scaled. The known
conventions, each an affine map per channel `(x - mean) / std` on the
test pixels (0-255):

    CONVENTIONS = {name: what it is}   (the names a manifest may give)

    evaluate_closest(rebuilt, context, logged accuracy or None,
                     manifest convention or None) -> {
        "accuracy", "loss", "preprocessing" (the name), "why" (a
        sentence for the feedback), "screened" ({name: accuracy on the
        largest sample it was screened on}), "precision",
        "rechecked_in_fp32",
        "batch_size", "compiled", "seconds"}

With the manifest's convention, that one is used. Otherwise each
convention is screened on 64 test images spread evenly over the set,
and the one whose sample accuracy is closest to the logged validation
accuracy is kept (the highest when none was logged); two conventions
that give the same inputs on this test set (seed 001's constants are
CIFAR-10's own training statistics) count as one, the first listed.
Conventions whose distance is within the sample's noise of the best
one's (two standard errors) go on to 256 images (`SCREEN_STAGES`), and
those still within it are all evaluated on the whole test set and the
closest kept: a sample only decides what it can tell apart. The kept convention is evaluated on the whole test set
once, as the toolkit's runs are (`grading.models.remeasure`'s compiled
graph, bf16 with its float32 recheck).
"""

import time

import numpy as np

from grading.models.remeasure import predict_checked, scores

CIFAR10_MEAN = (125.307, 122.95, 113.865)
CIFAR10_STD = (62.9932, 62.0887, 66.7048)
CONVENTIONS = {
    "standardize-train": "per-channel standardization with the training "
                         "set's mean and std (as the toolkit's runs)",
    "cifar10-constants": "seed 001's fixed CIFAR-10 statistics: mean "
                         "125.307/122.95/113.865, std "
                         "62.9932/62.0887/66.7048",
    "x/255": "pixels divided by 255, in [0, 1]",
    "[-1,1]": "pixels scaled to [-1, 1] (x / 127.5 - 1)",
}
SCREEN_STAGES = (64, 256)  # images per screening stage
SAME_INPUTS = 0.01  # largest difference of two conventions' inputs
NOISE_SE = 2.0


def statistics(name, context, channels):
    """(mean, std) per channel of convention `name`, or None where it
    does not apply (seed 001's constants are for 3 colour channels)."""
    if name == "standardize-train":
        mean, std = context.training_statistics()
        return np.asarray(mean, "float64"), np.asarray(std, "float64")
    if name == "cifar10-constants":
        if channels != 3:
            return None
        return np.asarray(CIFAR10_MEAN), np.asarray(CIFAR10_STD)
    if name == "x/255":
        return np.zeros(channels), np.full(channels, 255.0)
    return np.full(channels, 127.5), np.full(channels, 127.5)


def apply(images, mean, std):
    return ((images.astype("float32") - mean.astype("float32"))
            / std.astype("float32")).astype("float32")


def _checked(rebuilt, context, images):
    shape = tuple(images.shape[1:])
    if tuple(rebuilt.input_shape) != shape:
        raise ValueError(f"not re-measured: Expected a model taking the "
                         f"test images {shape}. Received: input shape "
                         f"{tuple(rebuilt.input_shape)}")
    classes = context.num_classes
    if tuple(rebuilt.output_shape) != (classes,):
        raise ValueError(f"not re-measured: Expected {classes} class "
                         f"outputs. Received: output shape "
                         f"{tuple(rebuilt.output_shape)}")


def evaluate_closest(rebuilt, context, logged=None, convention=None):
    start = time.perf_counter()
    images, labels = context.raw_test_set()
    _checked(rebuilt, context, images)
    if logged is not None and not (isinstance(logged, (int, float))
                                   and 0.0 <= logged <= 1.0):
        logged = None  # an unreadable log decides nothing
    predictor = rebuilt.compiled(context)
    channels = images.shape[-1]
    if convention is not None:
        if convention not in CONVENTIONS:
            raise ValueError(f"Expected one of {', '.join(CONVENTIONS)}. "
                             f"Received: {convention!r}")
        if statistics(convention, context, channels) is None:
            raise ValueError(f"{convention} does not apply to images of "
                             f"{channels} channel(s)")
        kept, why, screened = [convention], "named in the manifest", {}
        known = {}
    else:
        kept, why, screened, known = _screen(predictor, context, images,
                                             labels, logged)
    results = {}
    for name in kept:
        mean, std = statistics(name, context, channels)
        measured = predict_checked(predictor, apply(images, mean, std),
                                   context, known.get(name))
        results[name] = {**scores(measured.pop("probabilities"), labels),
                         **measured}
    if len(kept) > 1:
        name = min(kept, key=lambda n: _distance(results[n]["accuracy"],
                                                 logged))
        why += "; on the whole test set " + ", ".join(
            f"{n} {results[n]['accuracy']:.1%}" for n in kept)
    else:
        name = kept[0]
    return {**results[name], "preprocessing": name, "why": why,
            "screened": screened,
            "seconds": round(time.perf_counter() - start, 2)}


def _distance(accuracy, logged):
    """How far an accuracy is from the logged one (from 1 when none)."""
    return abs(accuracy - (1.0 if logged is None else logged))


def _screen(predictor, context, images, labels, logged):
    """([the conventions to evaluate fully], why, {name: accuracy on the
    largest sample it was screened on}, {name: (precision, sample, its
    probabilities)} to reuse): each distinct convention on an
    even sample of `SCREEN_STAGES[0]` images; those the sample cannot
    tell from the best on the next, larger sample, and so on."""
    channels = images.shape[-1]
    conventions, same = {}, {}
    probe = np.linspace(0, len(images) - 1, min(SCREEN_STAGES[-1],
                                                len(images))).astype(int)
    for name in CONVENTIONS:
        found = statistics(name, context, channels)
        if found is None:
            continue
        converted = apply(images[probe], *found)
        twin = next((other for other, (seen, _) in conventions.items()
                     if np.max(np.abs(seen - converted)) <= SAME_INPUTS),
                    None)
        if twin is not None:
            same[name] = twin
        else:
            conventions[name] = (converted, found)
    batch = context.batch_size(predictor)
    precision = "fp32" if predictor.fallback_reason else context.precision
    close, screened, parts, known = list(conventions), {}, [], {}
    for size in SCREEN_STAGES:
        count = min(size, len(images))
        sample = np.linspace(0, len(images) - 1, count).astype(int)
        for name in close:
            probabilities = predictor.predict(
                apply(images[sample], *conventions[name][1]), precision,
                batch)
            screened[name] = float(np.mean(np.argmax(probabilities, axis=1)
                                           == labels[sample]))
            known[name] = (precision, sample, probabilities)
        parts.append(f"on {count} test images " + ", ".join(
            f"{name} {screened[name]:.1%}" for name in close))
        best = min(close, key=lambda n: _distance(screened[n], logged))
        close = [name for name in close if name == best or abs(
            _distance(screened[name], logged) - _distance(screened[best],
                                                          logged))
            <= NOISE_SE * _standard_error(screened[name], screened[best],
                                          count)]
        if len(close) == 1 or count == len(images):
            break
    target = (f"closest to the logged validation accuracy {logged:.1%}"
              if logged is not None else "the highest (no accuracy "
              "logged)")
    why = f"{target}: " + "; ".join(parts)
    if same:
        why += "; " + ", ".join(f"{name} gives the same inputs as {twin}"
                                for name, twin in same.items())
    return close, why, screened, known


def _standard_error(first, second, count):
    """The sampling error of the difference of two sample accuracies
    (at least that of one image in the sample)."""
    variance = (first * (1 - first) + second * (1 - second)) / count
    return max(float(np.sqrt(variance)), 1.0 / count)
