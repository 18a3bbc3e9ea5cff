"""Collect the facts about one student's runs (runs in the sandbox).

This module touches student files, so it runs only inside the sandboxed
worker (`grading.sandbox.worker`). For each required run it takes the
candidates `grading.inputs.finding` found; a run a student's own Keras
code made goes to `grading.inputs.foreign_run`; for our run folder it
reads its JSON files (size-capped), its TensorBoard scalars and its
`model.keras` as data, then asks `grading.models.remeasure` to rebuild the
model from our code, load the student's weights and evaluate it, and
`grading.copies.fingerprint` for the run's fingerprint (copy detection
across the class). Each run's facts are a plain JSON dict;
`grading.checks.items` turns them into scores outside the sandbox. Any
problem is recorded as a `*_error` string for that run only.
"""

import json
from pathlib import Path
from grading.copies import fingerprint
from grading.inputs.foreign_run import measure_foreign
from grading.models import inspect_model
from grading.models import maxout
from grading.models import remeasure
from nin.report.events import read_run_scalars

JSON_MAX_BYTES = 1 << 20
EVENT_MAX_BYTES = 64 << 20
RUN_FILES = ("config.json", "results.json", "model.keras")
INITIAL_WEIGHTS = "initial.weights.h5"


def read_json(path):
    size = path.stat().st_size
    if size > JSON_MAX_BYTES:
        raise ValueError(f"{path.name} is too big ({size} bytes)")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise ValueError(f"{path.name} is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    return data


def claimed_settings(config):
    """The config.json fields the checks use, type-checked."""
    expected = {"model": str, "activation": str, "batch_norm": bool,
                "he_init": bool, "width": (int, float), "epochs": int,
                "model_options": dict}
    claimed = {}
    for field, kind in expected.items():
        value = config.get(field)
        if isinstance(value, bool) and kind is not bool or not isinstance(
                value, kind):
            raise ValueError(f"config.json field {field!r} is missing or "
                             f"not a {getattr(kind, '__name__', 'number')}")
        claimed[field] = value
    claimed["dataset"] = str(config.get("dataset"))
    return claimed


def measure_run(name, candidates, required, root, context):
    """The facts of run `name` from its candidates (`grading.inputs.
    finding`): the first is measured, the others are listed."""
    facts = {"run": name, "required": required,
             "folders": [str(candidate["folder"].relative_to(root))
                         for candidate in candidates],
             "candidates": [_described(candidate, root)
                            for candidate in candidates]}
    if not candidates:
        return facts
    facts["kind"] = candidates[0]["kind"]
    if candidates[0]["kind"] == "foreign":
        return measure_foreign(facts, candidates[0], required, root,
                               context, _record)
    facts["source"] = "toolkit"
    run_dir = candidates[0]["folder"]
    facts["files"] = {file: (run_dir / file).is_file() for file in RUN_FILES}
    facts["files"].update({f"{split}/": (run_dir / split).is_dir()
                           for split in ("train", "test")})
    claimed = _record(facts, "config", lambda: claimed_settings(
        read_json(run_dir / "config.json")))
    _record(facts, "results", lambda: _results(run_dir / "results.json"))
    _record(facts, "scalars", lambda: read_run_scalars(
        run_dir, max_bytes=EVENT_MAX_BYTES))
    student = _record(facts, "model", lambda: _model_facts(
        run_dir / "model.keras"))
    if student is not None:
        _record(facts, "fingerprint", lambda: fingerprint.run_fingerprint(
            run_dir, student, _optional_json(run_dir / "config.json"),
            _optional_json(run_dir / "results.json"), EVENT_MAX_BYTES))
    if claimed is None:
        _drop_arrays(student)
        return facts
    built = _record(facts, "reference", lambda: remeasure.reference(
        claimed, required, context))
    if built is None:
        _drop_arrays(student)
        return facts
    facts["reference"] = built["facts"]
    if required["activation"] == "maxout" and student is not None:
        _record(facts, "maxout", lambda: maxout.maxout_check(
            student["layers"], claimed, context))
    initial = run_dir / INITIAL_WEIGHTS
    if initial.is_file() and student is not None:
        _record(facts, "initial_weights", lambda: remeasure.initial_stats(
            initial, built, student))
    if student is not None:
        _record(facts, "remeasured", lambda: remeasure.evaluate(
            built, student, context))
    _drop_arrays(student)
    return facts


def _described(candidate, root):
    """A candidate as the TA reads it: its kind and files."""
    def shown(path):
        return None if path is None else str(path.relative_to(root))
    return {"kind": candidate["kind"], "folder": shown(candidate["folder"]),
            "model": shown(candidate["model"]),
            "logs": shown(candidate["logs"])}


def _drop_arrays(student):
    """Weights and layer configs stay in the sandbox: facts are small."""
    if student is not None:
        student.pop("arrays", None)
        for layer in student["layers"]:
            layer.pop("config", None)


def _record(facts, key, produce):
    """facts[key] = produce(), or facts[key + '_error'] = why it failed."""
    try:
        value = produce()
    except MemoryError:
        facts[f"{key}_error"] = "ran out of memory"
        return None
    except OSError as error:  # no absolute paths in the feedback
        name = Path(error.filename).name if error.filename else "file"
        facts[f"{key}_error"] = f"{name}: {error.strerror or error}"
        return None
    except Exception as error:  # a student file may break anything here
        facts[f"{key}_error"] = f"{type(error).__name__}: {error}"[:500]
        return None
    facts[key] = value
    return value


def _optional_json(path):
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def _results(path):
    results = read_json(path)
    accuracy = results.get("test_accuracy")
    if accuracy is not None and not isinstance(accuracy, (int, float)):
        raise ValueError("results.json test_accuracy is not a number")
    epochs = results.get("epochs")
    return {"test_accuracy": accuracy,
            "epochs": epochs if isinstance(epochs, int) else None,
            "diverged": bool(results.get("diverged"))}


def _model_facts(path):
    config, weights = inspect_model.read_keras_file(path)
    layers = inspect_model.describe_layers(config)
    arrays = inspect_model.weight_arrays(weights) if weights else {}
    return {
        "layers": layers,
        "findings": inspect_model.code_findings(config),
        "param_count": int(sum(array.size for values in arrays.values()
                               for array in values)),
        "weights_error": None if weights else "no model.weights.h5 inside",
        "initializers": [
            {"layer": layer["name"],
             "initializer": inspect_model.initializer_of(layer["config"])}
            for layer in layers if layer["class"] in ("Conv2D", "Dense")],
        "arrays": arrays,
    }
