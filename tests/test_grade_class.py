"""`labs/grade.py` on a small class built from real (tiny) runs.

The honest student hands in the session's tiny lab grid (synthetic data,
width 0.125, 2 epochs: `lab_grid` in conftest.py), graded on the same
synthetic test set; every other student is a copy tampered in one way, as
a dishonest or careless student (or an attacker) would. The whole class
is graded once, through the command line, and every test below reads
that one result.
"""

import csv
import json
import os
import re
import shutil

import keras
import numpy as np
import pytest

import nin
from grading import cli as grade
from nin.report.lab_runs import RUN_NAMES

DATASET = "synthetic"  # the lab grid's
STUDENTS = ["@risk", "brokenzip", "careless", "evilzip", "honest",
            "inflated", "lambda", "nobn", "reluout"]
FULL_MARKS_MINUS_ACCURACY = 10 * 7 + 2  # 10 runs, Maxout's extra item
MISSING = ("WI", "ELU+BN", "Maxout+BN+WI")
INFLATED_RUN = "ELU+BN+WI"
INFLATED_ACCURACY = 0.9167  # the report's best number
NO_BN_RUN = "BN+WI"
LAMBDA_RUN = "None"
CORRUPT_RUN = "ELU"


def copy_runs(runs, student_dir):
    """The 10 run folders of `runs`, as a student's `logs/`."""
    logs = student_dir / "logs"
    for name in RUN_NAMES:
        shutil.copytree(runs / name, logs / name)
    return logs


def replace_model(run_dir, **settings):
    """model.keras rebuilt by our code with other settings (untrained)."""
    model = nin.build_model("nin", width=0.125, **settings)
    (run_dir / "model.keras").unlink()
    model.save(run_dir / "model.keras")


def build_class(runs, submissions, marker, hostile):
    """The class: {student: what was done to their submission}."""
    copy_runs(runs, submissions / "honest")

    logs = copy_runs(runs, submissions / "careless")
    for name in MISSING:
        shutil.rmtree(logs / name)
    (logs / CORRUPT_RUN / "model.keras").write_bytes(b"not a zip " * 100)

    logs = copy_runs(runs, submissions / "nobn")
    replace_model(logs / NO_BN_RUN, activation="relu", batch_norm=False,
                  he_init=True)

    staging = submissions.parent / "staging"
    logs = copy_runs(runs, staging)
    results_path = logs / INFLATED_RUN / "results.json"
    results = json.loads(results_path.read_text())
    results["test_accuracy"] = INFLATED_ACCURACY
    results_path.write_text(json.dumps(results))
    hostile.zip_folder(logs, submissions / "inflated.zip")
    shutil.rmtree(staging)

    logs = copy_runs(runs, submissions / "reluout")
    replace_model(logs / "Maxout+BN+WI", activation="relu",
                  batch_norm=True, he_init=True)

    logs = copy_runs(runs, submissions / "lambda")
    hostile.add_lambda(logs / LAMBDA_RUN, marker)

    hostile.evil_zip(submissions / "evilzip.zip")
    (submissions / "brokenzip.zip").write_bytes(b"PK\x03\x04 truncated")
    (submissions / "@risk").mkdir()  # empty; a name a spreadsheet would run


def snapshot(root, skip):
    return {str(path.relative_to(root)): (path.stat().st_size,
                                          path.stat().st_mtime_ns)
            for path in root.rglob("*")
            if path.is_file() and skip not in path.parents}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, lab_grid, hostile):
    base = tmp_path_factory.mktemp("class")
    runs = lab_grid.logdir
    submissions, out = base / "submissions", base / "out"
    submissions.mkdir()
    marker = base / "lambda_ran"
    os.environ[hostile.MARKER_VARIABLE] = str(base / "ignored_while_building")
    try:
        build_class(runs, submissions, marker, hostile)
    finally:
        del os.environ[hostile.MARKER_VARIABLE]
    before = snapshot(base, out)
    assert grade.main([str(submissions), "--out", str(out), "--dataset",
                       DATASET, "--jobs", "2", "--timeout", "300"]) == 0
    results = {name: json.loads((out / name / "results.json").read_text())
               for name in STUDENTS}
    return {"base": base, "out": out, "marker": marker, "before": before,
            "results": results, "submissions": submissions}


def by_name(result):
    return {entry["name"]: entry for entry in result["tests"]}


def test_every_student_gets_a_gradebook_row(graded):
    with open(graded["out"] / "gradebook.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["student"] for row in rows) == sorted(
        ["'@risk"] + STUDENTS[1:])
    for row in rows:
        assert row["status"] in ("graded", "refused"), row
    for name in STUDENTS:
        assert (graded["out"] / name / "feedback.md").is_file()


def test_results_follow_the_gradescope_format(graded):
    result = graded["results"]["honest"]
    assert set(result) >= {"score", "tests", "output"}
    for entry in result["tests"]:
        assert set(entry) >= {"name", "score", "max_score", "status",
                              "output"}
        assert entry["status"] in ("passed", "failed")
        assert 0 <= entry["score"] <= entry["max_score"]
    assert result["score"] == pytest.approx(
        sum(entry["score"] for entry in result["tests"]))
    assert result["extra_data"]["max_score"] == 102
    assert len(result["tests"]) == 71  # 7 items x 10 runs + Maxout check
    hidden = {entry["name"] for entry in result["tests"]
              if entry["visibility"] == "after_published"}
    assert len(hidden) == 20  # accuracy and the check quoting it
    assert "ELU: final test accuracy (re-measured)" in hidden
    assert "points" not in result["output"]  # no score while hidden
    assert isinstance(result["execution_time"], int)
    (entry,) = result["leaderboard"]
    measured = [float(re.search(r"accuracy ([\d.]+)%", test["output"])[1])
                for test in result["tests"]
                if test["name"].endswith("final test accuracy (re-measured)")]
    assert entry == {"name": "Best re-measured test accuracy (%)",
                     "value": pytest.approx(max(measured), abs=0.006)}


def test_the_honest_student_passes_everything_but_the_tiny_accuracy(graded):
    result = graded["results"]["honest"]
    for name, entry in by_name(result).items():
        if "final test accuracy" not in name:
            assert entry["status"] == "passed", (name, entry["output"])
    assert result["extra_data"]["flags"] == []
    assert result["score"] >= FULL_MARKS_MINUS_ACCURACY
    scores = {name: graded["results"][name]["score"] for name in STUDENTS}
    assert all(scores[name] < scores["honest"] for name in STUDENTS
               if name != "honest"), scores


def test_missing_runs_cost_their_points(graded):
    tests = by_name(graded["results"]["careless"])
    for run in MISSING:
        assert tests[f"{run}: run present"]["score"] == 0
        assert "no folder named" in tests[f"{run}: run present"]["output"]
        assert tests[f"{run}: architecture matches the config"][
            "output"] == "run not submitted"
    assert tests["BN: run present"]["status"] == "passed"
    assert f"missing run ({', '.join(MISSING)})" in graded["results"][
        "careless"]["extra_data"]["flags"]


def test_claimed_bn_that_is_absent_fails_the_architecture(graded):
    tests = by_name(graded["results"]["nobn"])
    architecture = tests[f"{NO_BN_RUN}: architecture matches the config"]
    assert architecture["status"] == "failed"
    assert "-BatchNormalization" in architecture["output"]
    assert "parameters, expected" in architecture["output"]
    assert "could not re-measure" in tests[
        f"{NO_BN_RUN}: final test accuracy (re-measured)"]["output"]
    assert tests["BN: architecture matches the config"]["status"] == "passed"


def test_edited_accuracy_is_flagged_and_the_measured_one_graded(graded):
    honest = by_name(graded["results"]["honest"])
    result = graded["results"]["inflated"]
    tests = by_name(result)
    check = tests[f"{INFLATED_RUN}: logged accuracy reproduced"]
    assert check["score"] == 0
    assert "logged accuracy not reproduced: logged 91.67%" in \
        check["output"]
    accuracy = f"{INFLATED_RUN}: final test accuracy (re-measured)"
    assert tests[accuracy] == honest[accuracy]
    assert f"logged accuracy not reproduced ({INFLATED_RUN})" in \
        result["extra_data"]["flags"]
    assert result["score"] == graded["results"]["honest"]["score"] - 1
    assert INFLATED_ACCURACY * 100 > 90  # the edit really was upward


def test_a_relu_posing_as_maxout_fails_the_numeric_check(graded):
    tests = by_name(graded["results"]["reluout"])
    check = tests["Maxout+BN+WI: Maxout is a max over k pieces"]
    assert check["score"] == 0
    assert "Activation" in check["output"]
    assert "a max over 2 pieces gives" in check["output"]
    honest = by_name(graded["results"]["honest"])
    assert honest["Maxout+BN+WI: Maxout is a max over k pieces"][
        "status"] == "passed"


def test_the_lambda_is_reported_and_never_runs(graded):
    result = graded["results"]["lambda"]
    architecture = by_name(result)[
        f"{LAMBDA_RUN}: architecture matches the config"]
    assert "payload: Lambda holds Python code (not executed)" in \
        architecture["output"]
    assert f"code in model file (not run) ({LAMBDA_RUN})" in \
        result["extra_data"]["flags"]
    assert not graded["marker"].exists()


def test_the_lambda_payload_is_armed(graded, tmp_path, monkeypatch,
                                     hostile):
    """Loading it unsafely does run it, so the test above means something."""
    path = graded["submissions"] / "lambda" / "logs" / LAMBDA_RUN / \
        "model.keras"
    with pytest.raises(ValueError, match="safe_mode"):
        keras.saving.load_model(path, safe_mode=True)
    proof = tmp_path / "proof"
    monkeypatch.setenv(hostile.MARKER_VARIABLE, str(proof))
    model = keras.saving.load_model(path, safe_mode=False)
    model(np.zeros((1, 32, 32, 3), "float32"))
    assert proof.read_text() == "ran"


def test_an_unsafe_archive_is_refused_whole(graded):
    result = graded["results"]["evilzip"]
    assert result["score"] == 0
    assert result["extra_data"]["status"] == "refused"
    output = result["tests"][0]["output"]
    assert "'..'" in output and "symlink" in output
    assert "results.json" not in output  # the one harmless entry
    assert "nothing was extracted" in output
    feedback = (graded["out"] / "evilzip" / "feedback.md").read_text()
    assert "symlink" in feedback
    assert not list(graded["base"].rglob("evil"))


def test_corrupt_files_cost_one_run_not_the_class(graded):
    result = graded["results"]["careless"]
    tests = by_name(result)
    broken = tests[f"{CORRUPT_RUN}: architecture matches the config"]
    assert "not a readable .keras (zip) file" in broken["output"]
    assert tests[f"{CORRUPT_RUN}: final test accuracy (re-measured)"][
        "score"] == 0
    assert tests[f"{CORRUPT_RUN}: train and test curves for every epoch"][
        "status"] == "passed"
    assert tests["BN: logged accuracy reproduced"]["status"] == "passed"
    assert result["extra_data"]["status"] == "graded"
    broken_zip = graded["results"]["brokenzip"]
    assert broken_zip["extra_data"]["status"] == "refused"
    assert "not a readable zip archive" in broken_zip["output"]


def test_nothing_is_written_outside_out(graded):
    assert snapshot(graded["base"], graded["out"]) == graded["before"]
    assert sorted(path.name for path in graded["out"].iterdir()) == sorted(
        ["gradebook.csv", *STUDENTS])


def gradebook_rows(out):
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_only_regrades_one_student_and_keeps_the_gradebook(graded):
    out = graded["out"]
    before = gradebook_rows(out)
    honest = (out / "honest" / "results.json").stat().st_mtime_ns
    assert grade.main([str(graded["submissions"]), "--out", str(out),
                       "--dataset", DATASET, "--only", "brokenzip"]) == 0
    after = gradebook_rows(out)
    assert after.pop("brokenzip")["status"] == "refused"
    before.pop("brokenzip")
    assert after == before  # copy flags included
    assert (out / "honest" / "results.json").stat().st_mtime_ns == honest


def test_copied_runs_are_flagged_in_both_rows_and_feedbacks(graded):
    rows = gradebook_rows(graded["out"])
    # Every tampered student started from the honest runs: all copies.
    honest = rows["honest"]["copies"]
    assert "identical weights to inflated's in 10 run(s)" in honest
    assert "byte-identical" in honest and "copied" in honest
    assert "to honest's in 10 run(s)" in rows["inflated"]["copies"]
    assert "to honest's in 9 run(s)" in rows["reluout"]["copies"]
    assert rows["evilzip"]["copies"] == ""
    feedback = (graded["out"] / "inflated" / "feedback.md").read_text()
    assert "## Possible copies" in feedback
    assert "No points were taken" in feedback
    result = graded["results"]["honest"]
    assert result["score"] >= FULL_MARKS_MINUS_ACCURACY  # no penalty
    for row in rows.values():
        assert row["seconds"] != "" and float(row["seconds"]) > 0


def test_a_worker_past_its_time_limit_gives_an_explained_result(
        graded, tmp_path):
    out = tmp_path / "out"
    assert grade.main([str(graded["submissions"]), "--out", str(out),
                       "--dataset", DATASET, "--only", "honest",
                       "--timeout", "2"]) == 0
    result = json.loads((out / "honest" / "results.json").read_text())
    assert result["score"] == 0
    assert result["extra_data"]["status"] == "incomplete"
    assert "stopped after the 2 s time limit" in result["output"]
    assert all("2 s time limit" in entry["output"]
               for entry in result["tests"])
    assert not (out / ".work").exists()
