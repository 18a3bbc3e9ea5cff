"""Rubric items: turn one run's measured facts into a credit and a reason.

Each check takes the facts the sandboxed worker measured for one run
(`grading.inputs.measure`) and the rubric item's settings, and returns
`(credit in [0, 1], explanation, flags)`. Nothing here touches student
files or runs their code; it only compares numbers and lists.

A run a student's own Keras code made (`facts["kind"] == "foreign"`)
goes through the same items, each saying what it checked and from which
file. What such a hand-in cannot show (He init after training when no
initializer was saved, a schedule when no learning rate was logged, a
model that holds code) is not a silent zero: the item gets the rubric's
`unverifiable_credit` and the flag `NOT_CHECKED`, and the TA decides.
"""

import difflib
import math

from grading.rubric import band_credit

CURVES = ("train/epoch_accuracy", "train/epoch_loss",
          "test/epoch_accuracy", "test/epoch_loss")
LR_RELATIVE_TOLERANCE = 1e-3
SHOWN = 4
NOT_CHECKED = "not checkable, for the TA"


def _percent(value):
    return f"{100 * value:.2f}%"


def _error(facts, *keys):
    """The first recorded failure among `keys`, as text, or None."""
    for key in keys:
        if facts.get(f"{key}_error"):
            return f"{key}: {facts[f'{key}_error']}"
    return None


def not_checked(item, why):
    """An item the hand-in cannot show: the rubric's credit for it, the
    reason, and the flag that puts it before the TA."""
    credit = float(item.get("unverifiable_credit", 0.0))
    return credit, (f"not checkable: {why}; the TA decides ({credit:.0%} "
                    "of the points until then, as the rubric says)"), \
        [NOT_CHECKED]


def foreign(facts):
    return facts.get("kind") == "foreign"


def present(facts, item):
    if facts.get("manifest_error"):
        return 0.0, facts["manifest_error"], ["manifest invalid"]
    if not facts["folders"]:
        return 0.0, (f"no folder named {facts['run']!r} (in any spelling, "
                     "nor a model file named so) was found"), \
            ["missing run"]
    flags = []
    where = f"found at {facts['folders'][0]}"
    if foreign(facts):
        where += (f": model {facts.get('model_file', 'none')}, logs "
                  f"{(facts.get('logs') or {}).get('folder', 'none')}")
    if len(facts["folders"]) > 1:
        others = [", ".join(filter(None, (entry["model"], entry["logs"])))
                  or entry["folder"]
                  for entry in facts.get("candidates", [])[1:SHOWN]]
        where += (f" (also {'; '.join(others) or facts['folders'][1]}; "
                  "only the first was graded, the TA decides)")
        flags.append("several candidates for one run")
    missing = [name for name, ok in facts["files"].items() if not ok]
    if missing:
        return 0.0, f"{where}; missing: {', '.join(missing)}", flags
    return 1.0, where, flags


NO_MODEL = "no model file was handed in"


def _foreign_architecture(facts, item):
    if not facts.get("model_file"):
        return 0.0, NO_MODEL, ["architecture not checkable"]
    problem = _error(facts, "model")
    if problem:
        return 0.0, f"{facts.get('model_file')}: {problem}", \
            ["architecture not checkable"]
    if _error(facts, "comparison"):
        return not_checked(item, _error(facts, "comparison"))
    compared = facts["comparison"]
    model = facts.get("model") or {}
    differences = list(compared.get("differences") or [])
    findings = list(model.get("findings") or [])
    parts = [(f"layers of {facts['model_file']} against the lab's NIN",
              "\n".join(differences[:2 * SHOWN])),
             ("no code in the model file", "; ".join(findings[:SHOWN]))]
    passed = sum(1 for _, problem in parts if not problem)
    flags = ["code in model file (not run)"] if findings else []
    if differences:
        flags.append("architecture mismatch")
    lines = [f"{'ok  ' if not problem else 'FAIL'} {title}"
             + (f": {problem}" if problem else "")
             for title, problem in parts]
    return passed / len(parts), "\n".join(lines), flags


def architecture(facts, item):
    if foreign(facts):
        return _foreign_architecture(facts, item)
    required = facts["required"]
    claimed = facts.get("config") or {}
    model = facts.get("model") or {}
    reference = facts.get("reference") or {}
    problems = _error(facts, "config", "model", "reference")
    if problems:
        return 0.0, problems, ["architecture not checkable"]
    parts = []
    wrong_claim = [f"{key} is {claimed.get(key)!r}, the run needs "
                   f"{value!r}" for key, value in required.items()
                   if claimed.get(key) != value]
    if claimed.get("model") != "nin":
        wrong_claim.append(f"model is {claimed.get('model')!r}, not 'nin'")
    parts.append(("config.json matches the run name",
                  "; ".join(wrong_claim)))
    ours = [layer["signature"] for layer in reference["layers"]]
    theirs = [layer["signature"] for layer in model["layers"]]
    diff = [line for line in difflib.unified_diff(
        ours, theirs, "expected", "model.keras", n=0, lineterm="")
        if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    if not diff and [layer["inputs"] for layer in reference["layers"]] != [
            layer["inputs"] for layer in model["layers"]]:
        diff = ["the layers are connected differently from the expected "
                "chain"]
    parts.append(("layer types, order, channels, BN and dropout "
                  "(- expected, + found)", "\n".join(diff[:2 * SHOWN])))
    count = f"{model['param_count']:,} parameters, expected " \
        f"{reference['param_count']:,}"
    parts.append(("parameter count", "" if model["param_count"] ==
                  reference["param_count"] else count))
    parts.append(("no code in the model file",
                  "; ".join(model["findings"][:SHOWN])))
    passed = sum(1 for _, problem in parts if not problem)
    lines = [f"{'ok  ' if not problem else 'FAIL'} {title}"
             + (f": {problem}" if problem else "")
             for title, problem in parts]
    flags = []
    if model["findings"]:
        flags.append("code in model file (not run)")
    if passed < len(parts):
        flags.append("architecture mismatch")
    return passed / len(parts), "\n".join(lines), flags


def maxout(facts, item):
    if foreign(facts):
        if not facts.get("model_file"):
            return 0.0, NO_MODEL, []
        activation = (facts.get("detected") or {}).get("activation")
        if activation == "maxout":
            return 1.0, (f"{facts.get('model_file')}: its config is a max "
                         "over k pieces"), []
        if activation is None:
            return not_checked(item, "the model file does not say enough "
                               "to recognize a Maxout")
        return 0.0, (f"{facts.get('model_file')}: activation "
                     f"{activation!r}, not Maxout"), []
    problem = _error(facts, "config", "model", "reference", "maxout")
    if problem:
        return 0.0, problem, []
    result = facts["maxout"]
    if result["failures"]:
        return 0.0, "\n".join(result["failures"][:SHOWN]), \
            ["Maxout is not a max over pieces"]
    return 1.0, (f"{result['checked']} activation layers equal a max over "
                 "k pieces on random inputs"), []


def _foreign_he_init(facts, item):
    if not facts.get("model_file"):
        return 0.0, NO_MODEL, []
    if _error(facts, "model", "comparison"):
        return not_checked(item, _error(facts, "model", "comparison"))
    detected = (facts.get("detected") or {}).get("he_init")
    wanted = facts["required"]["he_init"]
    where = f"kernel initializers saved in {facts.get('model_file')}"
    if detected is None:
        return not_checked(item, f"no initializer saved in "
                           f"{facts.get('model_file')}, and trained "
                           "weights do not show their initialization")
    if detected == wanted:
        return 1.0, f"{where}: He init {'on' if wanted else 'off'}, as " \
            "the run requires", []
    return 0.0, f"{where}: He init {'on' if detected else 'off'}, the " \
        f"run needs it {'on' if wanted else 'off'}", []


def he_init(facts, item):
    if foreign(facts):
        return _foreign_he_init(facts, item)
    if facts.get("initial_weights"):
        bad = [f"{entry['layer']}: std {entry['std']:.4g}, expected "
               f"{entry['expected_std']:.4g}"
               for entry in facts["initial_weights"]
               if abs(entry["std"] / entry["expected_std"] - 1)
               > item["std_tolerance"]]
        source = "initial weights"
    else:
        problem = _error(facts, "config", "model", "reference")
        if problem:
            return 0.0, problem, []
        expected = facts["reference"]["initializers"]
        found = facts["model"]["initializers"]
        bad = [f"{theirs['layer']}: {_init_text(theirs['initializer'])}, "
               f"expected {_init_text(ours['initializer'])}"
               for ours, theirs in zip(expected, found)
               if not _same_init(ours["initializer"],
                                 theirs["initializer"])]
        if len(expected) != len(found):
            bad.append(f"{len(found)} kernels, expected {len(expected)}")
        source = "kernel initializers in model.keras"
    kind = "He" if facts["required"]["he_init"] else "N(0, 0.01)/N(0, 0.05)"
    if bad:
        return 0.0, f"{source} are not {kind}:\n" + "\n".join(
            bad[:SHOWN]), []
    return 1.0, f"{source} are {kind}, as the run requires", []


def _init_text(initializer):
    config = ", ".join(f"{key}={value}" for key, value in
                       sorted(initializer["config"].items())
                       if value is not None)
    return f"{initializer['class_name']}({config})"


def _same_init(ours, theirs):
    if ours["class_name"] != theirs["class_name"]:
        return False
    for key, value in ours["config"].items():
        other = theirs["config"].get(key)
        if isinstance(value, float) and isinstance(other, (int, float)):
            if not math.isclose(value, other, rel_tol=1e-6):
                return False
        elif value != other:
            return False
    return True


def schedule(facts, item):
    problem = _error(facts, "scalars")
    if problem:
        return 0.0, problem, []
    if foreign(facts) and "scalars" not in facts:
        return not_checked(item, _error(facts, "logs") or
                           "no training logs were handed in")
    logged = dict(facts["scalars"].get("train/learning_rate", []))
    if not logged and foreign(facts):
        return not_checked(item, f"no learning rate was logged in "
                           f"{facts['logs']['folder']} "
                           f"({facts['logs']['format']})")
    if not logged:
        return 0.0, "no learning_rate scalar under train/", []
    planned = (facts.get("config") or {}).get("epochs") or len(logged)
    drops = [max(1, round(planned * drop / item["reference_epochs"]))
             for drop in item["drops"]]
    wrong = []
    for epoch in range(max(logged) + 1):
        expected = item["base_lr"] * item["factor"] ** sum(
            epoch >= drop for drop in drops)
        value = logged.get(epoch)
        if value is None or not math.isclose(
                value, expected, rel_tol=LR_RELATIVE_TOLERANCE):
            wrong.append(f"epoch {epoch}: logged {value}, expected "
                         f"{expected:.4g}")
    if wrong:
        return 0.0, "\n".join(wrong[:SHOWN]), []
    return 1.0, (f"{len(logged)} epochs logged; LR {item['base_lr']:g} "
                 f"dropping x{item['factor']:g} at epochs "
                 f"{drops} of {planned}"), []


def curves(facts, item):
    problem = _error(facts, "scalars")
    if problem:
        return 0.0, problem, []
    if foreign(facts):
        if "scalars" not in facts:
            return 0.0, _error(facts, "logs") or \
                "no training logs were handed in", []
        epochs = len(facts["scalars"].get("train/epoch_loss") or
                     facts["scalars"].get("train/epoch_accuracy") or [])
    else:
        epochs = (facts.get("results") or {}).get("epochs") or \
            (facts.get("config") or {}).get("epochs")
    if not epochs:
        return 0.0, "the number of epochs run is unknown", []
    lines, complete = [], 0
    for tag in CURVES:
        steps = {step for step, _ in facts["scalars"].get(tag, [])}
        missing = sorted(set(range(epochs)) - steps)
        complete += not missing
        lines.append(f"{tag}: " + (f"{len(missing)} of {epochs} epochs "
                                   f"missing (first {missing[0]})"
                                   if missing else f"{epochs} epochs"))
    if foreign(facts):
        lines.insert(0, f"from {facts['logs']['folder']} "
                     f"({facts['logs']['format']}; the validation curves "
                     "stand for test/)")
    return complete / len(CURVES), "\n".join(lines), []


def accuracy(facts, item):
    if foreign(facts) and (facts.get("model") or {}).get("holds_code"):
        return not_checked(item, f"{facts.get('model_file')} holds code, "
                           "so it was not run")
    problem = _error(facts, "model", "reference", "remeasured")
    if problem or "remeasured" not in facts:
        return 0.0, f"could not re-measure: {problem or 'no model'}", []
    measured = facts["remeasured"]["accuracy"]
    credit = band_credit(item["bands"], measured)
    why = facts["remeasured"].get("why")
    where = f" of {facts['model_file']} (inputs: " \
        f"{facts.get('preprocessing')}{': ' + why if why else ''})" \
        if foreign(facts) else ""
    return credit, (f"re-measured test accuracy{where} {_percent(measured)} "
                    f"-> {credit:.0%} of the points"), []


def logged_accuracy(facts):
    """The student's own final accuracy: results.json's test accuracy,
    or a foreign run's last logged validation accuracy."""
    if foreign(facts):
        points = (facts.get("scalars") or {}).get("test/epoch_accuracy")
        return points[-1][1] if points else None
    return (facts.get("results") or {}).get("test_accuracy")


def reproduced(facts, item):
    logged = logged_accuracy(facts)
    if foreign(facts) and logged is None:
        return 0.0, "no validation accuracy was logged", []
    if "remeasured" not in facts:
        return 0.0, "cannot verify: the model could not be re-measured", []
    if not isinstance(logged, (int, float)):
        return 0.0, "results.json has no test_accuracy", []
    measured = facts["remeasured"]["accuracy"]
    text = f"logged {_percent(logged)}, re-measured {_percent(measured)}"
    if abs(logged - measured) > item["tolerance"]:
        return 0.0, f"logged accuracy not reproduced: {text}", \
            ["logged accuracy not reproduced"]
    return 1.0, text, []


CHECKS = {"present": present, "architecture": architecture,
          "maxout": maxout, "he_init": he_init, "schedule": schedule,
          "curves": curves, "accuracy": accuracy, "reproduced": reproduced}
