"""Hidden tests: a student's parts run in a sandbox and are judged here.

A rubric with a `hidden_tests` section (the one `labs/release.py` writes
into the autograder; `grading/rubric.md`) grades the code a submission
carries in `code/` (`labs/submit.py` packs it) as well as its runs:

1. a source tree is made in the student's scratch folder: the starter
   kit's `nin/` and `callbacks/` (our source with every part blanked, so
   no solution is in reach of the student's code) with the student's
   files of `code/` laid over it;
2. random inputs are drawn (a fixed seed: a regrade gives the same
   grade) and saved as `inputs.npz`;
3. `hidden_runner.py` runs in the sandbox (`grading.sandbox.bubblewrap`):
   it imports each part's module from that tree, in a child process per
   part, and writes what the part returned; a part that crashes, hangs,
   exits or exhausts its memory gets an error and the others run on. If
   the runner itself is killed (the student's code can kill its parent),
   the part it was running is charged and a new sandbox runs the rest;
4. each observation is judged in this process against the reference:
   NumPy's max, exp and crops, our schedule, the spec's standard
   deviations. Nothing the student's code wrote is imported or unpickled
   here: JSON and `np.load(allow_pickle=False)` only.

`run_hidden_tests` returns {part: (credit fraction, what was checked)};
`grading.checks.scoring` turns them into one rubric test per part.
"""

import json
import shutil
import sys
from pathlib import Path

import numpy as np

import nin
from callbacks.schedules import REFERENCE_EPOCHS, step_decay
from grading.assignment import markers
from grading.sandbox import bubblewrap
from grading.sandbox.process import Limits
from nin.layers.activations import LRELU_SLOPE
from nin.models.initializers import FIRST_LAYER_STD, OTHER_LAYERS_STD
from nin.validation import is_number

RUNNER = Path(__file__).with_name("hidden_runner.py")
TOOLKIT = Path(nin.__file__).resolve().parents[1]  # holds nin/, callbacks/
PACKAGES = ("nin", "callbacks")
CODE = "code"
SEED = 4
IMPORT_S = 90  # the runner's own start (Keras) in each sandbox
TOLERANCE = 1e-5
STD_TOLERANCE = 0.03  # relative; the samples' own error is under 0.6%
UNTRUNCATED_MAX = 2.5  # a normal truncated at 2 std never reaches this

SETTINGS = {
    "maxout": {"pieces": [2, 3], "shapes": [[3, 4, 4, 12], [5, 12]]},
    "step_schedule": {"epochs": REFERENCE_EPOCHS},
    "he_init": {"seed": SEED, "shapes": [[3, 3, 64, 192], [1, 1, 192, 160],
                                         [5, 5, 3, 192]]},
    "wi_off": {"seed": SEED, "shape": [5, 5, 32, 64]},
    "bn_placement": {"activation": "relu"},
    "activations": {"shape": [4, 5, 5, 3]},
    "pad_crop_flip": {"pad": 2, "seed": SEED, "shape": [16, 6, 6, 3]},
}
PARTS = tuple(SETTINGS)
PART_FILES = {name: part["file"] for name, part in
              markers.load_config()["parts"].items()}


def kit_source(root, destination, config=None):
    """Our nin/ and callbacks/ in `destination`, every part blanked."""
    config = config or markers.load_config()
    everything = list(config["parts"])
    for package in PACKAGES:
        for path in sorted((Path(root) / package).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            name = path.relative_to(root).as_posix()
            target = Path(destination) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".py":
                text, _ = markers.strip_solutions(
                    path.read_text(), config["parts"], everything, name)
                target.write_text(text)
            else:
                shutil.copyfile(path, target)


def lay_over(code, destination):
    """The student's .py files of `code/` (regular files inside our
    packages) over the tree; returns their names."""
    laid = []
    for path in sorted(Path(code).rglob("*.py")):
        name = path.relative_to(code)
        if path.is_symlink() or not path.is_file() or \
                name.parts[0] not in PACKAGES:
            continue
        target = Path(destination) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        laid.append(name.as_posix())
    return laid


def make_inputs(seed=SEED):
    """{"PART__NAME": array}: the random inputs the parts are run on."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for index, shape in enumerate(SETTINGS["maxout"]["shapes"]):
        inputs[f"maxout__x{index}"] = rng.normal(size=shape).astype("float32")
    inputs["activations__x"] = (3 * rng.normal(
        size=SETTINGS["activations"]["shape"])).astype("float32")
    inputs["pad_crop_flip__x"] = rng.normal(
        size=SETTINGS["pad_crop_flip"]["shape"]).astype("float32")
    return inputs


def run_hidden_tests(root, work, section, limits, log, sandbox="auto"):
    """({part: (credit, output)}, the sandbox that ran, or None where
    nothing ran) for the parts of the rubric's validated `section`, from
    the submission folder `root`; scratch files go in `work`/hidden."""
    parts = section["parts"]
    code = Path(root) / CODE
    if not code.is_dir():
        missing = (f"not tested: the submission has no {CODE}/ folder "
                   "(labs/submit.py packs the files that hold the parts)")
        return {part: (0.0, missing) for part in parts}, None
    hidden = Path(work) / "hidden"
    shutil.rmtree(hidden, ignore_errors=True)
    source, out = hidden / "source", hidden / "out"
    out.mkdir(parents=True)
    kit_source(TOOLKIT, source)
    laid = lay_over(code, source)
    inputs = make_inputs()
    np.savez(hidden / "inputs.npz", **inputs)
    observed, kind = observe(parts, hidden, section, limits, log, sandbox)
    results = {}
    for part in parts:
        status = observed[part]
        if status.get("status") != "observed":
            reason = status.get("reason", "no result")
            results[part] = (0.0, f"failed: {reason}"
                             + _not_handed_in(part, laid))
            continue
        try:
            arrays = _arrays(out / f"{part}.npz")
            problems = JUDGES[part](status.get("data", {}), arrays, inputs)
        except (ValueError, KeyError, TypeError, OSError) as error:
            problems = [f"its result could not be read ({error})"]
        results[part] = ((0.0, "failed: " + "; ".join(problems))
                         if problems else (1.0, "passed: " + PASSED[part]))
    return results, kind


def _not_handed_in(part, laid):
    file = PART_FILES[part]
    return "" if file in laid else f" ({CODE}/{file} is not in the submission)"


def _arrays(path):
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as stored:
        return {key: np.asarray(value) for key, value in stored.items()}


def observe(parts, hidden, section, limits, log, sandbox):
    """({part: its PART.json or an error}, the sandbox that ran): runs
    sandboxes until every part has a result."""
    out, left, observed, kind = hidden / "out", list(parts), {}, None
    while left:
        request = {"source": str(hidden / "source"), "out": str(out),
                   "inputs": str(hidden / "inputs.npz"), "parts": left,
                   "settings": SETTINGS,
                   "part_timeout_s": section["timeout_s"]}
        request_path = hidden / "request.json"
        request_path.write_text(json.dumps(request))
        for part in left:
            (out / f"{part}.started").unlink(missing_ok=True)
        budget = Limits(timeout_s=IMPORT_S + section["timeout_s"] * len(left),
                        memory_mb=limits.memory_mb, file_mb=limits.file_mb)
        outcome = bubblewrap.run_sandboxed(
            [sys.executable, "-P", str(RUNNER), str(request_path)], hidden,
            [RUNNER], budget, log, sandbox)
        kind = outcome.sandbox
        started = [part for part in left
                   if (out / f"{part}.started").is_file()]
        for part in started:
            result = _status(out / f"{part}.json")
            if result is None:
                result = {"status": "error", "reason": "the test runner was "
                          f"killed during this part ({outcome.explain(budget)})"}
            observed[part] = result
        if not started:  # the runner never reached a part
            for part in left:
                observed[part] = {"status": "error", "reason": "the test "
                                  f"runner {outcome.explain(budget)}"}
        left = [part for part in left if part not in observed]
    return observed, kind


def _status(path):
    try:
        status = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


# The judges: (observation data, arrays, inputs) -> [problem, ...].


def _compare(name, expected, received, tolerance=TOLERANCE):
    """[] or the problem of `received` against `expected`."""
    received = np.asarray(received)
    if received.shape != expected.shape:
        return [f"{name}: expected shape {expected.shape}. Received: "
                f"{received.shape}"]
    if not np.all(np.isfinite(received)):
        return [f"{name}: expected finite values. Received: NaN or inf"]
    difference = float(np.max(np.abs(received - expected))) \
        if expected.size else 0.0
    if difference > tolerance:
        return [f"{name}: expected the reference within {tolerance:g}. "
                f"Received: values {difference:.3g} away"]
    return []


def judge_maxout(data, arrays, inputs):
    problems = []
    for index, pieces in enumerate(SETTINGS["maxout"]["pieces"]):
        x = inputs[f"maxout__x{index}"]
        grouped = x.reshape(*x.shape[:-1], x.shape[-1] // pieces, pieces)
        name = f"Maxout(pieces={pieces}) on shape {x.shape}"
        found = _compare(name, grouped.max(-1), arrays.get(f"y{index}", []))
        if found and not _compare(name, grouped.mean(-1),
                                  arrays.get(f"y{index}", [])):
            found = [f"{name}: expected the max of each group of {pieces} "
                     "consecutive channels. Received: their mean"]
        problems += found
    return problems


def judge_step_schedule(data, arrays, inputs):
    rates = data.get("rates")
    epochs = SETTINGS["step_schedule"]["epochs"]
    if not isinstance(rates, list) or len(rates) != epochs:
        return [f"expected {epochs} rates. Received: {rates!r:.80}"]
    wrong = [(epoch, rate, step_decay(epoch))
             for epoch, rate in enumerate(rates)
             if not (is_number(rate) and abs(rate - step_decay(epoch))
                     <= TOLERANCE * step_decay(epoch))]
    if not wrong:
        return []
    epoch, rate, expected = wrong[0]
    return [f"step_decay({epoch}): expected {expected:g}. Received: "
            f"{rate!r} (wrong at {len(wrong)} of {epochs} epochs, the first "
            f"at epoch {epoch})"]


def _normal(name, weights, std):
    """[] or what is wrong with `weights` as N(0, std) samples."""
    weights = np.asarray(weights, dtype="float64")
    if weights.size < 2 or not np.all(np.isfinite(weights)):
        return [f"{name}: expected finite samples. Received: "
                f"{weights.size} values"]
    problems = []
    measured = float(weights.std())
    if abs(measured / std - 1) > STD_TOLERANCE:
        problems.append(f"{name}: expected std {std:.4g}. Received: "
                        f"{measured:.4g}")
    if abs(float(weights.mean())) > 5 * std / np.sqrt(weights.size):
        problems.append(f"{name}: expected mean 0. Received: "
                        f"{float(weights.mean()):.3g}")
    if float(np.max(np.abs(weights))) < UNTRUNCATED_MAX * std:
        problems.append(f"{name}: expected an untruncated normal (values "
                        f"beyond {UNTRUNCATED_MAX:g} std). Received: none")
    return problems


def judge_he_init(data, arrays, inputs):
    problems = []
    for index, shape in enumerate(SETTINGS["he_init"]["shapes"]):
        weights = np.asarray(arrays.get(f"w{index}", []))
        name = f"he_normal_fan_out()(shape={tuple(shape)})"
        if weights.shape != tuple(shape):
            problems.append(f"{name}: expected shape {tuple(shape)}. "
                            f"Received: {weights.shape}")
            continue
        fan_out = int(np.prod(shape[:-2])) * shape[-1]
        problems += _normal(name, weights, np.sqrt(2 / fan_out))
    return problems


def judge_wi_off(data, arrays, inputs):
    problems, shape = [], tuple(SETTINGS["wi_off"]["shape"])
    for index, (first, std) in enumerate(((True, FIRST_LAYER_STD),
                                          (False, OTHER_LAYERS_STD))):
        weights = np.asarray(arrays.get(f"w{index}", []))
        name = f"kernel_initializer(False, first_layer={first})"
        if weights.shape != shape:
            problems.append(f"{name}: expected shape {shape}. Received: "
                            f"{weights.shape}")
        else:
            problems += _normal(name, weights, std)
    return problems


def _kind(layer):
    classes = set(layer.get("classes", []))
    for kind, names in (("input", {"InputLayer"}),
                        ("linear", {"Conv2D", "Dense"}),
                        ("batch norm", {"BatchNormalization"})):
        if classes & names:
            return kind
    return "activation"


def judge_bn_placement(data, arrays, inputs):
    chains = data.get("chains")
    if not isinstance(chains, dict):
        return ["expected the layers of each block. Received: none"]
    problems = []
    for kind in ("conv", "dense"):
        for batch_norm in (True, False):
            name = f"{kind}_block(batch_norm={batch_norm})"
            layers = chains.get(f"{kind}, batch_norm={batch_norm}", [])
            kinds = [_kind(layer) for layer in layers
                     if isinstance(layer, dict)]
            kinds = [kind for kind in kinds if kind != "input"]
            expected = ["linear", "batch norm", "activation"] if batch_norm \
                else ["linear", "activation"]
            if kinds != expected:
                problems.append(f"{name}: expected layers "
                                f"{' -> '.join(expected)}. Received: "
                                f"{' -> '.join(kinds) or 'none'}")
    return problems


def judge_activations(data, arrays, inputs):
    x = inputs["activations__x"].astype("float64")
    expected = {"lrelu": np.where(x > 0, x, LRELU_SLOPE * x),
                "elu": np.where(x > 0, x, np.expm1(np.minimum(x, 0)))}
    problems = []
    for name, reference in expected.items():
        found = _compare(f"make_activation({name!r})", reference,
                         arrays.get(name, []), 1e-4)
        received = np.asarray(arrays.get(name, []))
        if found and name == "lrelu" and received.shape == x.shape:
            negative = x < -0.1
            slope = float(np.median(received[negative] / x[negative]))
            found = [f"make_activation('lrelu'): expected slope "
                     f"{LRELU_SLOPE:g} for x < 0. Received: slope "
                     f"{slope:.3g}"]
        problems += found
    return problems


def _crops(image, output, pad):
    """[(row, column, flipped)] where `output` is a crop of the
    zero-padded `image` (flipped left-right or not)."""
    height, width = image.shape[:2]
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)))
    found = []
    for row in range(2 * pad + 1):
        for column in range(2 * pad + 1):
            window = padded[row:row + height, column:column + width]
            for flipped, candidate in ((False, window),
                                       (True, window[:, ::-1])):
                if np.allclose(candidate, output, atol=TOLERANCE):
                    found.append((row, column, flipped))
    return found


def judge_pad_crop_flip(data, arrays, inputs):
    x, pad = inputs["pad_crop_flip__x"], SETTINGS["pad_crop_flip"]["pad"]
    problems = _compare("PadCropFlip(training=False)", x,
                        arrays.get("inference", []))
    if problems:
        problems[0] += " (inference must return the images unchanged)"
    for name, may_flip in (("flip", True), ("plain", False)):
        output = np.asarray(arrays.get(name, []))
        title = f"PadCropFlip(pad={pad}, flip={may_flip})(training=True)"
        if output.shape != x.shape:
            problems.append(f"{title}: expected shape {x.shape}. Received: "
                            f"{output.shape}")
            continue
        matches = [_crops(image, out, pad) for image, out in zip(x, output)]
        if not may_flip:
            matches = [[m for m in found if not m[2]] for found in matches]
        bad = [index for index, found in enumerate(matches) if not found]
        if bad:
            problems.append(
                f"{title}: expected each image to be a crop of the image "
                f"padded with {pad} zeros, at an offset in 0..{2 * pad}"
                f"{', maybe flipped left-right' if may_flip else ''}. "
                f"Received: image {bad[0]} is none ({len(bad)} of "
                f"{len(x)} are not)")
            continue
        offsets = {found[0][:2] for found in matches}
        if len(offsets) < 2:
            problems.append(f"{title}: expected a random offset per image. "
                            f"Received: offset {offsets.pop()} for all "
                            f"{len(x)} images")
        flips = {found[0][2] for found in matches}
        if may_flip and len(flips) < 2:
            problems.append(f"{title}: expected each image flipped with "
                            f"probability 0.5. Received: "
                            f"{'all' if True in flips else 'none'} of "
                            f"{len(x)} flipped")
    return problems


JUDGES = {"maxout": judge_maxout, "step_schedule": judge_step_schedule,
          "he_init": judge_he_init, "wi_off": judge_wi_off,
          "bn_placement": judge_bn_placement,
          "activations": judge_activations,
          "pad_crop_flip": judge_pad_crop_flip}
PASSED = {
    "maxout": "the max over each group of channels, on 2 random inputs",
    "step_schedule": f"the reference rate at each of the "
                     f"{REFERENCE_EPOCHS} epochs",
    "he_init": "std sqrt(2 / fan_out), mean 0, untruncated, at 3 shapes",
    "wi_off": f"std {FIRST_LAYER_STD:g} (first layer) and "
              f"{OTHER_LAYERS_STD:g} (others), mean 0",
    "bn_placement": "conv/dense -> batch norm -> activation, and no batch "
                    "norm without BN",
    "activations": f"LReLU (slope {LRELU_SLOPE:g}) and ELU on random "
                   "inputs",
    "pad_crop_flip": "per-image random crops of the zero-padded images, "
                     "flipped about half the time; identity at inference",
}
