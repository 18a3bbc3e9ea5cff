"""The facts of a run a student's own Keras code made (in the sandbox).

A foreign run is a model file (`.keras`, Keras 3 `.h5`, Keras 2 `.h5`)
and its training logs, found by `grading.inputs.finding`. Here:

- the logs are read as data (`grading.inputs.training_logs`): the train
  and validation curves, the learning rate where one was logged;
- the model file is read as data, never as code
  (`grading.models.saved_model`): its layers, arrays and which kind of
  save it is (`keras3`, `keras3-h5`, `keras2-h5`); a layer that holds
  code (`Lambda`, a custom class) is reported, and nothing of it runs;
- it is compared with the lab's NIN (`grading.models.nin_comparison`):
  the differences in plain words and the detected activation, BN and He
  init (None where the file does not say, e.g. no initializer saved);
- it is rebuilt from its config by the interpreter of standard layers
  (`grading.models.interpreter`) and evaluated on the grader's test set
  under the input convention closest to the logged validation accuracy
  (`grading.models.preprocessing`);
- its fingerprint for copy detection comes from the arrays, whichever
  reader read them (`grading.copies.fingerprint`).

The facts have the toolkit run's keys where they mean the same
(`folders`, `files`, `scalars`, `model`, `remeasured`, `fingerprint`)
plus `source`, `logs`, `comparison`, `detected` and `preprocessing`;
every failure is a `*_error` string for this run only.

What this module asks of grading/models/ (one call each, below):

    saved_model.read_saved_model(path) -> {"source", "holds_code",
        "findings": [text], "layers": [{"name", "class", "signature"}],
        "arrays": {layer name: [arrays]}, "param_count", "initializers"}
    nin_comparison.compare(student, required) -> {"differences": [plain
        words], "detected": {"activation", "bn", "he_init"}}
    interpreter.build_predictor(student) -> a predictor
    preprocessing.evaluate_closest(predictor, context, logged accuracy or
        None, the manifest's convention or None) -> {"accuracy",
        "preprocessing", "seconds", ...}
    preprocessing.CONVENTIONS: the convention names a manifest may give
"""

from pathlib import Path

from grading.inputs.training_logs import read_training_logs

EVENT_MAX_BYTES = 64 << 20


def measure_foreign(facts, candidate, required, root, context, record):
    """Fill `facts` for one foreign candidate; `record(facts, key,
    produce)` is measure's error-catching setter."""
    model_path, logs = candidate["model"], candidate["logs"]
    facts["source"] = None
    facts["files"] = {
        "model file": model_path is not None,
        "training logs": logs is not None,
    }
    if model_path is not None:
        facts["model_file"] = str(model_path.relative_to(root))
        facts["also_saved_as"] = candidate["also"]
    if logs is not None:
        read = record(facts, "logs", lambda: read_training_logs(
            logs, EVENT_MAX_BYTES))
        if read is not None:
            facts["scalars"] = read.pop("scalars")
            facts["logs"] = {**read,
                             "folder": str(logs.relative_to(root))}
        elif "logs_error" not in facts:
            facts["files"]["training logs"] = False
            facts.pop("logs", None)
    if model_path is None:
        return facts
    student = record(facts, "model", lambda: _read_model(model_path))
    if student is None:
        return facts
    facts["source"] = student.get("source")
    _record_comparison(facts, student, required, record)
    record(facts, "fingerprint", lambda: _fingerprint(student, logs))
    if student.get("holds_code"):
        facts["remeasured_error"] = ("not re-measured: the model holds "
                                     "code (not run)")
    else:
        logged = _last(facts.get("scalars", {}).get("test/epoch_accuracy"))
        record(facts, "remeasured", lambda: _remeasure(
            student, context, logged, candidate["preprocessing"]))
        if facts.get("remeasured"):
            facts["preprocessing"] = facts["remeasured"].get(
                "preprocessing")
    student.pop("arrays", None)
    facts["model"] = _small(student)
    return facts


def _last(points):
    return points[-1][1] if points else None


def _read_model(path):
    try:
        from grading.models import saved_model
    except ImportError:
        raise ValueError("this grader cannot read a student's own model "
                         "file yet (grading.models.saved_model is not "
                         "installed)") from None

    return saved_model.read_saved_model(Path(path))


def _record_comparison(facts, student, required, record):
    from grading.models import nin_comparison

    compared = record(facts, "comparison", lambda: nin_comparison.compare(
        student, required))
    if compared is not None:
        facts["detected"] = compared.get("detected")


def _remeasure(student, context, logged, convention):
    from grading.models import interpreter, preprocessing

    predictor = interpreter.build_predictor(student)
    return preprocessing.evaluate_closest(predictor, context, logged,
                                          convention)


def _fingerprint(student, logs):
    from grading.copies import fingerprint

    return fingerprint.foreign_fingerprint(student, logs, EVENT_MAX_BYTES)


def _small(student):
    """What the checks need of the model: no arrays, no raw configs."""
    keep = ("source", "holds_code", "findings", "param_count",
            "initializers")
    small = {key: student[key] for key in keep if key in student}
    small["layers"] = [{key: layer.get(key) for key in
                        ("name", "class", "signature") if key in layer}
                       for layer in student.get("layers", [])]
    return small
