"""The rubric items on a student's own Keras run, from its facts
(`grading.checks.items`, `grading.report.run_records`): what each item
checked and from which file, and what goes to the TA."""

import pytest

from grading.checks import items as checks
from grading.checks import scoring
from grading.report.run_records import run_record
from grading.rubric import load_rubric, validate_rubric

RUN = "ELU+BN+WI"
REQUIRED = {"activation": "elu", "batch_norm": True, "he_init": True}


def foreign_facts(**changes):
    facts = {
        "run": RUN, "required": REQUIRED, "kind": "foreign",
        "source": "keras2-h5", "folders": ["models"],
        "candidates": [{"kind": "foreign", "folder": "models",
                        "model": "models/nin.h5", "logs": "tb/elu"}],
        "files": {"model file": True, "training logs": True},
        "model_file": "models/nin.h5",
        "logs": {"format": "tensorboard (train/, validation/)",
                 "files": [], "folder": "tb/elu"},
        "scalars": {
            "train/epoch_accuracy": [(0, 0.5), (1, 0.8)],
            "train/epoch_loss": [(0, 1.5), (1, 0.6)],
            "test/epoch_accuracy": [(0, 0.45), (1, 0.75)],
            "test/epoch_loss": [(0, 1.6), (1, 0.7)]},
        "model": {"source": "keras2-h5", "holds_code": False,
                  "findings": [], "layers": []},
        "comparison": {"differences": ["conv 1: 16 filters, NIN has 192"],
                       "detected": {"activation": "elu", "bn": True,
                                    "he_init": None}},
        "detected": {"activation": "elu", "bn": True, "he_init": None},
        "remeasured": {"accuracy": 0.7472},
        "preprocessing": "x/255",
    }
    facts.update(changes)
    return facts


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def test_he_init_that_a_trained_file_cannot_show_goes_to_the_ta(rubric):
    item = rubric["items"]["he_init"]
    credit, output, flags = checks.he_init(foreign_facts(), item)
    assert credit == 1.0  # the default rubric's unverifiable_credit
    assert flags == [checks.NOT_CHECKED]
    assert "no initializer saved in models/nin.h5" in output
    assert "the TA decides (100% of the points" in output
    stricter = {**item, "unverifiable_credit": 0.25}
    assert checks.he_init(foreign_facts(), stricter)[0] == 0.25


def test_he_init_saved_is_checked(rubric):
    item = rubric["items"]["he_init"]
    on = foreign_facts(detected={"activation": "elu", "bn": True,
                                 "he_init": True})
    assert checks.he_init(on, item)[:1] == (1.0,)
    off = foreign_facts(detected={"activation": "elu", "bn": True,
                                  "he_init": False})
    credit, output, flags = checks.he_init(off, item)
    assert (credit, flags) == (0.0, [])
    assert "the run needs it on" in output


def test_no_learning_rate_logged_goes_to_the_ta(rubric):
    credit, output, flags = checks.schedule(foreign_facts(),
                                            rubric["items"]["schedule"])
    assert flags == [checks.NOT_CHECKED]
    assert "no learning rate was logged in tb/elu" in output


def test_a_logged_rate_is_checked_against_the_lab_schedule(rubric):
    facts = foreign_facts()
    facts["scalars"]["train/learning_rate"] = [(0, 0.1), (1, 0.1)]
    credit, output, flags = checks.schedule(facts,
                                            rubric["items"]["schedule"])
    assert (credit, flags) == (0.0, [])
    assert output == "epoch 1: logged 0.1, expected 0.001"


def test_curves_and_accuracy_say_which_files(rubric):
    credit, output, _ = checks.curves(foreign_facts(), {})
    assert credit == 1.0
    assert output.splitlines()[0].startswith("from tb/elu (tensorboard")
    credit, output, _ = checks.accuracy(foreign_facts(),
                                        rubric["items"]["accuracy"])
    assert credit == 0.7
    assert "of models/nin.h5 (inputs: x/255) 74.72%" in output
    credit, output, _ = checks.reproduced(foreign_facts(),
                                          rubric["items"]["reproduced"])
    assert credit == 1.0 and output == "logged 75.00%, re-measured 74.72%"


def test_architecture_differences_in_plain_words(rubric):
    credit, output, flags = checks.architecture(foreign_facts(), {})
    assert credit == 0.5
    assert "conv 1: 16 filters, NIN has 192" in output
    assert flags == ["architecture mismatch"]


def test_a_model_holding_code_is_for_the_ta(rubric):
    facts = foreign_facts(model={"holds_code": True, "findings": [
        "layer payload is a Lambda (holds code; not run)"], "layers": []},
        remeasured_error="not re-measured: the model holds code (not run)")
    del facts["remeasured"]
    credit, output, flags = checks.accuracy(facts,
                                            rubric["items"]["accuracy"])
    assert (credit, flags) == (0.0, [checks.NOT_CHECKED])
    assert "holds code, so it was not run" in output
    assert "code in model file (not run)" in checks.architecture(
        facts, {})[2]


def test_the_record_of_a_foreign_run(rubric):
    rubric = validate_rubric({"runs": [RUN], "items": rubric["items"]})
    graded = scoring.score(rubric, [foreign_facts()], None, True)
    record = graded["extra_data"]["runs"][RUN]
    assert {key: record[key] for key in (
        "folder", "source", "remeasured_accuracy", "remeasured_reason",
        "logged_accuracy", "preprocessing", "detected")} == {
        "folder": "models", "source": "keras2-h5",
        "remeasured_accuracy": 0.7472, "remeasured_reason": None,
        "logged_accuracy": 0.75, "preprocessing": "x/255",
        "detected": {"activation": "elu", "bn": True, "he_init": None}}
    assert [entry["item"] for entry in record["not_checked"]] == [
        "he_init", "schedule"]
    assert "not checkable, for the TA (ELU+BN+WI)" in graded[
        "extra_data"]["flags"]


def test_runs_not_found_or_not_measured_say_so():
    assert run_record(None, [])["remeasured_reason"] == \
        "the run was not measured"
    missing = run_record({"run": RUN, "folders": []}, [])
    assert missing["source"] is None
    assert missing["remeasured_reason"] == "the run was not found"


def test_unverifiable_credit_is_a_fraction(rubric):
    items = {**rubric["items"], "he_init": {
        **rubric["items"]["he_init"], "unverifiable_credit": 2}}
    with pytest.raises(ValueError, match="'unverifiable_credit' must be "
                       "a fraction in \\[0, 1\\]. Received: 2"):
        validate_rubric({"runs": [RUN], "items": items})


def test_feedback_lists_each_run_and_what_the_ta_checks(rubric):
    from grading.report.results import feedback

    rubric = validate_rubric({"runs": [RUN], "items": rubric["items"]})
    graded = scoring.score(rubric, [foreign_facts()], None, True)
    text = feedback("alice", graded, rubric)
    assert ("| ELU+BN+WI | models | keras2-h5 | 74.72% | x/255 | activation "
            "elu, bn True, he_init - | he_init, schedule |") in text


def test_a_run_handed_in_as_logs_only_is_measured_and_graded(tmp_path,
                                                             rubric):
    import json

    from grading.inputs.finding import find_runs
    from grading.inputs.measure import measure_run
    from grading.sandbox.context import Context

    folder = tmp_path / "elu-bn-wi"
    folder.mkdir()
    (folder / "history.json").write_text(json.dumps({
        "accuracy": [0.5, 0.7], "loss": [1.4, 0.9],
        "val_accuracy": [0.45, 0.65], "val_loss": [1.5, 1.0]}))
    found, problem = find_runs(tmp_path, [RUN])
    facts = json.loads(json.dumps(measure_run(
        RUN, found[RUN], REQUIRED, tmp_path,
        Context("digits", None, tolerance=1e-5))))
    assert problem is None
    assert facts["files"] == {"model file": False, "training logs": True}
    assert facts["logs"] == {"format": "history.json",
                             "files": ["history.json"],
                             "folder": "elu-bn-wi"}
    rubric = validate_rubric({"runs": [RUN], "items": rubric["items"]})
    graded = scoring.score(rubric, [facts], None, True)
    outputs = {entry["name"].split(": ", 1)[1]: entry
               for entry in graded["tests"]}
    assert outputs["run present"]["output"] == (
        "found at elu-bn-wi: model none, logs elu-bn-wi; missing: "
        "model file")
    assert outputs["train and test curves for every epoch"][
        "status"] == "passed"
    record = graded["extra_data"]["runs"][RUN]
    assert record["logged_accuracy"] == 0.65
    assert record["remeasured_reason"] == "no model file was handed in"
    assert outputs["architecture matches the config"]["output"] == \
        "no model file was handed in"
    assert outputs["weight initialization as claimed"]["score"] == 0
    assert [entry["item"] for entry in record["not_checked"]] == [
        "schedule"]
