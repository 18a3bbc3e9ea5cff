"""The release (labs/release.py) and the kit's check and submit.

The kit is released once per module into a scratch folder. It is not
installed: check and submit run in subprocesses with the kit's own
source first on the import path (PYTHONPATH), as a student's editable
install of the kit would have it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grading.assignment import markers
from grading.assignment.cli import main as release_main
from grading.assignment.release import release, scan_kit
from grading.grader import Settings, grade_class
from grading.inputs.finding import find_candidates
from grading.report.results import total_points
from grading.rubric import load_rubric
from nin.assignment.submission import write_submission

REPO = Path(__file__).resolve().parents[1]
FIXTURE_RUN = REPO / "tests" / "fixtures" / "runs-29fd1da" / "ELU+BN+WI"
CONFIG = markers.load_config()
PARTS = CONFIG["blank"]
STUB = re.compile(r"^(?P<indent>[ \t]*)raise NotImplementedError\(\"Part "
                  r"(?P<name>\w+) ")


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "out"
    summary = release(out)
    return out, summary


def solution_bodies():
    """{part: (file, [solution lines])} from the full source."""
    bodies = {}
    for part in PARTS:
        name = CONFIG["parts"][part]["file"]
        text = (REPO / name).read_text()
        lines = text.splitlines()
        for block, _, first, end in markers.find_blocks(text, name):
            if block == part:
                bodies[part] = (name, lines[first + 1:end])
    return bodies


def restored(kit, folder):
    """A copy of `kit` in `folder` with every stub replaced by the
    source's solution block (re-indented as it was)."""
    shutil.copytree(kit, folder)
    bodies = solution_bodies()
    for name in {file for file, _ in bodies.values()}:
        out = []
        for line in (folder / name).read_text().splitlines():
            stub = STUB.match(line)
            out.extend(bodies[stub["name"]][1] if stub else [line])
        (folder / name).write_text("\n".join(out) + "\n")
    return folder


def run_kit(kit, script, *args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(kit), "KERAS_BACKEND":
           "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-P", str(kit / "labs" / script), *args],
        cwd=cwd or kit, env=env, capture_output=True, text=True, timeout=300)


def part_lines(output):
    """{part: (status, detail)} from check's output."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"^(\w+)\s+(done|not yet|waits|wrong)\s*(.*)$", line)
        if match:
            found[match[1]] = (match[2], match[3])
    return found


def test_the_kit_holds_no_solution_hidden_test_or_grader(released):
    out, summary = released
    kit = out / "student"
    texts = {path.relative_to(kit).as_posix(): path.read_text(
        errors="replace") for path in kit.rglob("*") if path.is_file()}
    assert not any("grading" in Path(name).parts or "hidden" in name
                   or name.endswith("rubric.json") for name in texts)
    assert [name for name, text in texts.items()
            if markers.MARKER_TEXT.search(text)] == []
    assert [name for name, text in texts.items() if re.search(
        r"^\s*(from|import) grading", text, re.MULTILINE)] == []
    # Each solution line that is not also in the source outside the
    # blocks (a line like `)` is everywhere) is nowhere in the kit.
    source_lines = set()
    for name in texts:
        if (REPO / name).is_file() and name.endswith(".py"):
            text = (REPO / name).read_text()
            lines = text.splitlines()
            inside = {number for _, _, first, end in
                      markers.find_blocks(text, name)
                      for number in range(first, end + 1)}
            source_lines |= {line.strip() for number, line in
                             enumerate(lines) if number not in inside}
    kit_lines = {line.strip() for text in texts.values()
                 for line in text.splitlines()}
    for part, (name, body) in solution_bodies().items():
        distinctive = {line.strip() for line in body
                       if len(line.strip()) > 12} - source_lines
        assert distinctive, part
        assert distinctive & kit_lines == set(), part
        assert f'raise NotImplementedError("Part {part} ' in texts[name]
    kit_config = json.loads(texts["nin/assignment/kit.json"])
    assert [part["name"] for part in kit_config["parts"]] == PARTS
    assert kit_config["runs"][0] == "None" and len(kit_config["runs"]) == 10
    assert sorted(kit_config["code"]) == sorted(
        {CONFIG["parts"][part]["file"] for part in PARTS})
    assert "grading" not in texts["pyproject.toml"]
    assert "labs/grade.py" not in texts and "labs/release.py" not in texts
    assert {"labs/check.py", "labs/submit.py", "labs/lab4.py",
            "tests/test_parts.py", "README.md"} <= set(texts)
    with zipfile.ZipFile(summary["autograder"]) as bundle:
        names = bundle.namelist()
    assert "run_autograder" in names
    assert "toolkit/grading/assignment/markers.py" in names


def test_check_says_not_yet_for_every_blanked_part(released):
    kit = released[0] / "student"
    result = run_kit(kit, "check.py")
    assert result.returncode == 1, result.stderr
    lines = part_lines(result.stdout)
    assert list(lines) == PARTS
    for part, (status, detail) in lines.items():
        assert status == "not yet", (part, detail)
        assert detail.startswith(f"Part {part} (spec section ")
    assert "0 of 7 parts done." in result.stdout
    assert "smoke" not in result.stdout


def test_restored_parts_pass_and_a_wrong_one_is_named(released, tmp_path):
    kit = restored(released[0] / "student", tmp_path / "restored")
    result = run_kit(kit, "check.py", "--no-smoke")
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(part_lines(result.stdout).values()) == {("done", "")}
    # A Maxout that averages, a schedule that drops at 80 (and 121).
    wrong = shutil.copytree(kit, tmp_path / "wrong")
    for name, old, new in (
            ("nin/layers/maxout.py", "ops.max(grouped", "ops.mean(grouped"),
            ("callbacks/schedules.py", "epoch >= drop", "epoch >= drop - 1")):
        text = (wrong / name).read_text()
        assert old in text
        (wrong / name).write_text(text.replace(old, new))
    result = run_kit(wrong, "check.py")
    assert result.returncode == 1
    lines = part_lines(result.stdout)
    assert {part for part, (status, _) in lines.items()
            if status != "done"} == {"maxout", "step_schedule"}
    assert lines["maxout"][0] == "wrong"
    assert "max of each 2 consecutive channels: expected" in \
        lines["maxout"][1] and "Received:" in lines["maxout"][1]
    assert lines["step_schedule"] == ("wrong", (
        "step_decay(80): expected 0.1 (drops at epochs 81 and 122, counted "
        "from 0). Received: 0.010000000000000002; the schedule drops at "
        "epochs [80, 121]"))
    assert "5 of 7 parts done." in result.stdout


def lab_runs(logdir, names):
    for name in names:
        shutil.copytree(FIXTURE_RUN, logdir / name)
    return logdir


def test_submit_refuses_a_missing_run_and_packs_what_the_grader_reads(
        released, tmp_path):
    kit = released[0] / "student"
    runs = json.loads((kit / "nin/assignment/kit.json").read_text())["runs"]
    logdir = lab_runs(tmp_path / "logs", runs[:-1])
    result = run_kit(kit, "submit.py", "--logdir", str(logdir), cwd=tmp_path)
    assert result.returncode == 2
    assert "Expected the 10 runs the lab requires" in result.stderr
    assert f"Received: {runs[-1]} (no folder)" in result.stderr
    assert not (tmp_path / "submission.zip").exists()
    lab_runs(logdir, runs[-1:])
    result = run_kit(kit, "submit.py", "--logdir", str(logdir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 of 7 parts done." in result.stdout  # check ran first
    with zipfile.ZipFile(tmp_path / "submission.zip") as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "unpacked")
    code = {f"code/{CONFIG['parts'][part]['file']}" for part in PARTS}
    events = {f"runs/{run}/{folder}/{path.name}" for run in runs
              for folder in ("train", "test")
              for path in (FIXTURE_RUN / folder).iterdir()}
    assert names == code | events | {"check.txt"} | {
        f"runs/{run}/{name}" for run in runs
        for name in ("config.json", "results.json", "model.keras")}
    found = find_candidates(tmp_path / "unpacked", runs)
    assert {run: [c["kind"] for c in found[run]] for run in runs} == {
        run: ["toolkit"] for run in runs}
    again = run_kit(kit, "submit.py", "--logdir", str(logdir), cwd=tmp_path)
    assert again.returncode == 2 and "never overwritten" in again.stderr


@pytest.mark.quick
def test_a_zip_above_the_limit_is_refused_and_not_left(tmp_path):
    logdir = lab_runs(tmp_path, ["BN"])
    entries = [(path, path.name) for path in (logdir / "BN").iterdir()
               if path.is_file()]
    with pytest.raises(ValueError, match=r"at most 0.05 MB. Received: "
                       r"0\.\d\d MB; the largest files: model.keras"):
        write_submission(tmp_path / "s.zip", entries, "", max_mb=0.05)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["BN"]


@pytest.mark.quick
def test_a_non_empty_out_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as exit_code:
        release_main([str(tmp_path)])
    assert exit_code.value.code == 2
    assert "Expected OUT to be a new or empty folder" in capsys.readouterr().err
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_config_blanks_fewer_parts(tmp_path):
    config = json.loads(markers.DEFAULT_CONFIG.read_text())
    config["blank"] = ["maxout"]
    (tmp_path / "release.json").write_text(json.dumps(config))
    summary = release(tmp_path / "out", tmp_path / "release.json")
    kit = summary["student"]
    assert summary["code"] == ["nin/layers/maxout.py"]
    kit_parts = json.loads((kit / "nin/assignment/kit.json").read_text())
    assert [part["name"] for part in kit_parts["parts"]] == ["maxout"]
    schedule = (kit / "callbacks/schedules.py").read_text()
    assert "passed = sum(1 for drop in drops if epoch >= drop)" in schedule
    assert not markers.MARKER_TEXT.search(schedule)


@pytest.mark.quick
def test_the_scan_finds_a_leak(tmp_path):
    (tmp_path / "grading").mkdir()
    (tmp_path / "notes.py").write_text(
        "import grading\n# BEGIN SOLUTION maxout\n"
        "    leading = ops.shape(inputs)[:-1]\n"
        "    grouped = ops.reshape(inputs, (*leading, self.units))\n")
    removed = {"maxout": [["leading = ops.shape(inputs)[:-1]",
                           "grouped = ops.reshape(inputs, (*leading, "
                           "self.units))"]]}
    assert scan_kit(tmp_path, removed) == [
        "grading: the grader's package",
        "notes.py: a solution or hidden-test marker",
        "notes.py: imports grading",
        "notes.py: solution text of part maxout ('leading = "
        "ops.shape(inputs)[:-1]')"]


def test_a_class_of_kit_submissions_is_graded_code_and_runs_together(
        released, tmp_path):
    out, _ = released
    kit = out / "student"
    rubric = load_rubric(out / "autograder" / "rubric.json")
    assert rubric["hidden_tests"]["parts"] == PARTS
    code = json.loads((kit / "nin/assignment/kit.json").read_text())["code"]
    done = restored(kit, tmp_path / "done")
    for name, source in (("ada", done), ("bo", kit)):  # bo wrote nothing
        folder = tmp_path / "class" / name
        for file in code:
            (folder / "code" / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / file, folder / "code" / file)
        shutil.copytree(FIXTURE_RUN, folder / "runs" / "ELU+BN+WI")
    graded = grade_class(tmp_path / "class", Settings(
        out=tmp_path / "graded", rubric=rubric, dataset="digits"))
    for name, credit in (("ada", 1.0), ("bo", 0.0)):
        tests = {test["name"]: test for test in graded[name]["tests"]}
        hidden = [test for test in tests if test.startswith("hidden test:")]
        assert hidden == [f"hidden test: {part}" for part in PARTS]
        assert {tests[test]["score"] for test in hidden} == {credit}
        assert tests["ELU+BN+WI: run present"]["score"] == 1
        assert graded[name]["extra_data"]["max_score"] == total_points(
            load_rubric()) + len(PARTS)
    maxout = next(test for test in graded["bo"]["tests"]
                  if test["name"] == "hidden test: maxout")
    assert "NotImplementedError: Part maxout (spec section 'Maxout')" in \
        maxout["output"]
    sandbox = graded["ada"]["extra_data"]["hidden_tests"]["sandbox"]
    assert sandbox in ("bubblewrap", "process")
    rows = (tmp_path / "graded" / "gradebook.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["ada", "bo"]
