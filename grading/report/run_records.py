"""`extra_data.runs` of results.json: one record per lab run, whatever
the student handed in, for the TA's own tools.

    {"ELU+BN+WI": {"folder": "logs/elu_bn_wi", "source": "keras3",
                   "remeasured_accuracy": 0.9012, "remeasured_reason": None,
                   "logged_accuracy": 0.9034,
                   "preprocessing": "cifar10-constants",
                   "detected": {"activation": "elu", "bn": True,
                                "he_init": None},
                   "not_checked": [{"item": "he_init", "why": "..."}],
                   "candidates": [...]}}

`source` is `toolkit` for our run folders, `keras3`, `keras3-h5` or
`keras2-h5` for a student's own model file (`grading.models.saved_model`),
None when the run was not found or its file not read.
`remeasured_accuracy` is a fraction, or None with `remeasured_reason`.
`detected` says what the model file itself shows: True/False, or None
where it does not say. Our run folders fill the same fields: their
settings are detected from `model.keras` against the model our code
builds, their inputs are standardized as training did.
"""

from grading.checks.items import logged_accuracy

TOOLKIT_PREPROCESSING = "standardized (training-set channel statistics)"
HE_INIT = {"class_name": "VarianceScaling", "scale": 2.0,
           "mode": "fan_out", "distribution": "untruncated_normal"}


def run_record(facts, not_checked):
    """The record of one run from its facts (None: never measured) and
    [(item, why)] of the items its hand-in could not show."""
    record = {"folder": None, "source": None, "remeasured_accuracy": None,
              "remeasured_reason": None, "logged_accuracy": None,
              "preprocessing": None,
              "detected": {"activation": None, "bn": None,
                           "he_init": None},
              "not_checked": [{"item": item, "why": why}
                              for item, why in not_checked]}
    if facts is None:
        record["remeasured_reason"] = "the run was not measured"
        return record
    if not facts.get("folders"):
        record["remeasured_reason"] = "the run was not found"
        return record
    record["folder"] = facts["folders"][0]
    record["source"] = facts.get("source")
    if len(facts.get("candidates", [])) > 1:
        record["candidates"] = facts["candidates"]
    measured = facts.get("remeasured")
    if measured:
        record["remeasured_accuracy"] = measured["accuracy"]
    else:
        record["remeasured_reason"] = _reason(facts)
    record["logged_accuracy"] = logged_accuracy(facts)
    if facts.get("kind") == "foreign":
        record["preprocessing"] = facts.get("preprocessing")
        record["detected"].update(facts.get("detected") or {})
    else:
        record["preprocessing"] = TOOLKIT_PREPROCESSING if measured \
            else None
        record["detected"] = toolkit_detected(facts)
    return record


def _reason(facts):
    for key in ("remeasured", "model", "reference", "config"):
        if facts.get(f"{key}_error"):
            return f"{key}: {facts[f'{key}_error']}"
    if facts.get("kind") == "foreign" and not facts.get("model_file"):
        return "no model file was handed in"
    return "not re-measured"


def toolkit_detected(facts):
    """What our run folder's model.keras shows: the claimed activation
    and BN where its layers equal those our code builds for the claim,
    He init from its saved initializers."""
    model, reference = facts.get("model"), facts.get("reference")
    config = facts.get("config") or {}
    detected = {"activation": None, "bn": None, "he_init": None}
    if not model or not reference:
        return detected
    ours = [layer["signature"] for layer in reference["layers"]]
    theirs = [layer["signature"] for layer in model["layers"]]
    if ours == theirs:
        detected["activation"] = config.get("activation")
        detected["bn"] = config.get("batch_norm")
    initializers = [entry["initializer"]
                    for entry in model.get("initializers", [])]
    if initializers:
        detected["he_init"] = all(_is_he(init) for init in initializers)
    return detected


def _is_he(initializer):
    if not isinstance(initializer, dict):
        return False
    settings = {"class_name": initializer.get("class_name"),
                **(initializer.get("config") or {})}
    return all(settings.get(key) == value for key, value in HE_INIT.items())
