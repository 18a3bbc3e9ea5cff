"""The grader's parts one by one: rubric, archives, checks, sandbox, CLI."""

import json
import os
import stat
import zipfile

import pytest
from grading import cli as grade
from grading.checks import items as checks
from grading.inputs import archive
from grading.models import inspect_model
from grading.report import results as report
from grading.rubric import band_credit, load_rubric, validate_rubric
from grading.sandbox.process import Limits, run_worker

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def test_default_rubric_takes_its_runs_from_our_code(rubric):
    assert len(rubric["runs"]) == 10
    assert rubric["required"]["Maxout+BN+WI"] == {
        "activation": "maxout", "batch_norm": True, "he_init": True}
    assert rubric["required"]["None"] == {
        "activation": "relu", "batch_norm": False, "he_init": False}
    assert report.total_points(rubric) == 102


@pytest.mark.parametrize("accuracy, credit", [
    (0.9167, 1.0), (0.90, 1.0), (0.885, 0.9), (0.85, 0.8), (0.60, 0.7),
    (0.10, 0.0)])
def test_course_accuracy_bands(rubric, accuracy, credit):
    bands = rubric["items"]["accuracy"]["bands"]
    assert band_credit(bands, accuracy) == credit


@pytest.mark.parametrize("change, message", [
    ({"runs": ["None", "Swish"]}, "unknown run name"),
    ({"items": {"style": {"points": 1}}}, "unknown item 'style'"),
    ({"items": {"present": {"points": -1}}}, "'points' must be"),
    ({"items": {"accuracy": {"points": 1, "bands": [
        {"min": 0.5, "credit": 1}, {"min": 0.9, "credit": 0.5}]}}},
     "must decrease"),
    ({"items": {"reproduced": {"points": 1}}}, "needs field"),
])
def test_bad_rubrics_are_refused_with_the_reason(rubric, change, message):
    data = {"runs": rubric["runs"], "items": rubric["items"], **change}
    with pytest.raises(ValueError, match=message):
        validate_rubric(data)


def write_zip(path, entries):
    with zipfile.ZipFile(path, "w") as handle:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            handle.writestr(info, data)
    return path


REGULAR = stat.S_IFREG | 0o644


@pytest.mark.parametrize("name, mode, reason", [
    ("/etc/cron.d/job", REGULAR, "absolute path"),
    ("runs/../../evil", REGULAR, "'..'"),
    ("runs\\..\\evil", REGULAR, "backslash"),
    ("runs/link", stat.S_IFLNK | 0o777, "symlink"),
    ("runs/fifo", stat.S_IFIFO | 0o644, "special file"),
])
def test_an_unsafe_entry_refuses_the_whole_archive(tmp_path, name, mode,
                                                   reason):
    path = write_zip(tmp_path / "s.zip", [("runs/ok.txt", "fine", REGULAR),
                                          (name, "payload", mode)])
    with pytest.raises(archive.UnsafeSubmissionError, match=reason):
        archive.extract_archive(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_archive_caps_on_files_and_bytes(tmp_path):
    path = write_zip(tmp_path / "s.zip", [
        (f"f{index}", "x" * 100, REGULAR) for index in range(5)])
    with pytest.raises(archive.UnsafeSubmissionError, match="5 entries"):
        archive.check_archive(path, max_files=4)
    with pytest.raises(archive.UnsafeSubmissionError, match="500 bytes"):
        archive.check_archive(path, max_bytes=499)
    assert archive.extract_archive(path, tmp_path / "out") == 500
    assert (tmp_path / "out" / "f4").read_text() == "x" * 100


def test_entries_without_a_recorded_file_type_are_plain_files(tmp_path):
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as handle:
        handle.writestr("logs/None/results.json", "{}")  # mode 0o600 only
    assert archive.extract_archive(path, tmp_path / "out") == 2


def test_a_folder_with_an_escaping_symlink_is_refused(tmp_path):
    folder = tmp_path / "student"
    (folder / "logs").mkdir(parents=True)
    (folder / "logs" / "inside").symlink_to(folder / "logs")
    assert archive.check_folder(folder) == (0, 0)
    (folder / "logs" / "secret").symlink_to("/etc/passwd")
    with pytest.raises(archive.UnsafeSubmissionError, match="outside"):
        archive.check_folder(folder)


def schedule_facts(learning_rates, epochs=164):
    return {"config": {"epochs": epochs}, "scalars": {
        "train/learning_rate": list(enumerate(learning_rates))}}


def test_the_step_schedule_must_drop_at_81_and_122(rubric):
    item = rubric["items"]["schedule"]
    right = [0.1] * 81 + [0.01] * 41 + [0.001] * 42
    credit, output, _ = checks.schedule(schedule_facts(right), item)
    assert credit == 1.0 and "[81, 122] of 164" in output
    early = [0.1] * 80 + [0.01] * 42 + [0.001] * 42
    credit, output, _ = checks.schedule(schedule_facts(early), item)
    assert credit == 0.0
    assert output == "epoch 80: logged 0.01, expected 0.1"


def test_curves_give_partial_credit_per_missing_curve():
    full = [[step, 0.5] for step in range(3)]
    facts = {"results": {"epochs": 3}, "scalars": {
        "train/epoch_accuracy": full, "train/epoch_loss": full,
        "test/epoch_accuracy": full[:2], "test/epoch_loss": []}}
    credit, output, _ = checks.curves(facts, {})
    assert credit == 0.5
    assert "test/epoch_accuracy: 1 of 3 epochs missing (first 2)" in output


def test_he_init_measured_from_an_initial_weights_file(rubric):
    item = rubric["items"]["he_init"]
    facts = {"required": {"he_init": True}, "initial_weights": [
        {"layer": "block1_conv1", "std": 0.0288, "expected_std": 0.0289},
        {"layer": "block1_conv2", "std": 0.05, "expected_std": 0.1118}]}
    credit, output, _ = checks.he_init(facts, item)
    assert credit == 0.0
    assert "block1_conv2: std 0.05, expected 0.1118" in output
    facts["initial_weights"].pop()
    assert checks.he_init(facts, item)[0] == 1.0


def test_custom_objects_are_findings_ours_are_not():
    config = {"class_name": "Functional", "module": "keras", "config": {
        "name": "model", "layers": [
            {"class_name": "Maxout", "module": "nin.layers.maxout",
             "registered_name": "nin>Maxout", "config": {"name": "act"}},
            {"class_name": "Swish", "module": "student.layers",
             "registered_name": "Custom>Swish", "config": {"name": "sw"}},
        ]}}
    assert inspect_model.code_findings(config) == [
        "sw: Swish is a custom object from module 'student.layers' "
        "(not executed)"]


def test_report_text_is_cleaned_and_csv_formulas_quoted(tmp_path, rubric):
    entry = report.test("run", 0.5, 2, "bad\x1b[31m text")
    assert entry["output"] == "bad?[31m text" and entry["score"] == 1.0
    folder = tmp_path / "=cmd"
    report.write_student(folder, "=cmd", report.failed(rubric, "boom"),
                         rubric)
    report.write_gradebook(tmp_path, ["=cmd"])
    lines = (tmp_path / "gradebook.csv").read_text().splitlines()
    assert lines[1].startswith("'=cmd,0.0,102,0.0,error,")


def test_the_sandbox_kills_a_worker_at_its_time_limit(tmp_path):
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"command": "extract"}))
    limits = Limits(timeout_s=0.05)
    outcome = run_worker(request, tmp_path, limits, tmp_path / "log")
    assert outcome.timed_out and not outcome.ok
    assert outcome.explain(limits) == "stopped after the 0.05 s time limit"


@pytest.mark.parametrize("arguments, message", [
    (["--dataset", "cifar10"], "--data-dir is required for cifar10"),
    (["--dataset", "digits", "--only", "nobody"], "no such student"),
    (["--dataset", "digits", "--slurm", "--jobs", "2"],
     "--jobs is for this machine"),
    (["--dataset", "digits", "--slurm-args=--time=5"],
     "--slurm-args goes with --slurm"),
    (["--dataset", "digits", "--slurm", "--status"],
     "give one of --slurm, --status, not several"),
    (["--dataset", "digits", "--no-gradebook"],
     "--no-gradebook goes with --only STUDENT"),
    (["--dataset", "digits", "--gradebook-only", "--only", "alice"],
     "cover the whole class: give no --only"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path, capsys, arguments,
                                        message):
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    with pytest.raises(SystemExit) as exit_info:
        grade.main([str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                    *arguments])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1


def test_gradebook_only_grades_nobody_and_writes_every_row(tmp_path,
                                                          capsys):
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "bob.zip").write_bytes(b"PK")
    out = tmp_path / "out"
    assert grade.main([str(tmp_path / "subs"), "--out", str(out),
                       "--gradebook-only", "--dataset", "cifar10"]) == 0
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert rows[1:] == ["alice,,,,not graded,,,,", "bob,,,,not graded,,,,"]
    assert not (out / "alice").exists()
    assert grade.main([str(tmp_path / "subs"), "--out", str(out),
                       "--status"]) == 0
    assert capsys.readouterr().out.splitlines()[-3:] == [
        "alice: not graded", "bob: not graded",
        f"gradebook: {(out / 'gradebook.csv').resolve()}"]


def test_out_inside_submissions_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path), "--out", str(tmp_path / "out"),
                    "--dataset", "digits"])
    assert "must not be inside SUBMISSIONS" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "out")


@pytest.fixture
def context():
    from grading.sandbox.context import Context

    return Context("synthetic", None, tolerance=1e-5)


def conv_then(activation_layer, filters=8):
    conv = {"name": "conv", "class": "Conv2D", "config": {"filters": filters}}
    return [conv, activation_layer]


def test_maxout_check_runs_only_allow_listed_layers(context):
    from grading.models.maxout import maxout_check

    claimed = {"model_options": {"pieces": 2}}
    ours = {"name": "act", "class": "Maxout", "module": "nin.layers.maxout",
            "registered_name": "nin>Maxout",
            "config": {"name": "act", "pieces": 2}}
    assert maxout_check(conv_then(ours), claimed, context) == {
        "checked": 1, "failures": []}
    custom = {"name": "s", "class": "Swish", "module": "student.layers",
              "config": {"name": "s"}}
    function = {"name": "f", "class": "Activation", "module": "keras.layers",
                "config": {"name": "f", "activation": {
                    "class_name": "__lambda__", "config": {"code": "..."}}}}
    failures = (maxout_check(conv_then(custom), claimed, context)["failures"]
                + maxout_check(conv_then(function), claimed,
                               context)["failures"])
    assert failures == [
        "s (Swish): Swish is not an allowed activation layer; it was not "
        "executed",
        "f (Activation): its config holds code; it was not executed"]


def test_initial_weights_are_measured_against_the_claimed_init(
        tmp_path, context):
    import keras

    import nin
    from grading.models import remeasure

    claimed = {"model": "nin", "width": 0.25, "model_options": {}}
    he = {"activation": "relu", "batch_norm": False, "he_init": True}
    built = remeasure.reference(claimed, he, context)
    config = json.loads(json.dumps(
        keras.saving.serialize_keras_object(built["model"])))
    student = {"layers": inspect_model.describe_layers(config)}
    path = tmp_path / "initial.weights.h5"
    built["model"].save_weights(path)
    stats = remeasure.initial_stats(path, built, student)
    assert len(stats) == 9
    assert stats[0]["expected_std"] == pytest.approx((2 / (5 * 5 * 48))**.5)
    assert all(abs(s["std"] / s["expected_std"] - 1) < 0.2 for s in stats)
    plain = nin.build_model("nin", width=0.25, **{**he, "he_init": False})
    plain.save_weights(path)
    stats = remeasure.initial_stats(path, built, student)
    assert stats[0]["std"] == pytest.approx(0.01, rel=0.1)


def test_the_worker_has_no_network_and_a_memory_limit(tmp_path):
    import socket

    from grading.sandbox.process import network_namespace_available

    listener = socket.create_server(("127.0.0.1", 0))
    status = tmp_path / "probe.json"
    request = tmp_path / "request.json"
    request.write_text(json.dumps({
        "command": "probe", "port": listener.getsockname()[1],
        "status_path": str(status)}))
    limits = Limits(timeout_s=60, memory_mb=3000)
    try:
        outcome = run_worker(request, tmp_path, limits, tmp_path / "log")
    finally:
        listener.close()
    assert outcome.ok, outcome.log
    probe = json.loads(status.read_text())
    assert probe["memory_limit"] == 3000 << 20
    assert probe["home"] == str(tmp_path / "home")
    if not network_namespace_available():
        pytest.skip("no user+network namespaces here (unshare -r -n)")
    assert outcome.network_isolated
    assert probe["network"].startswith("unreachable")


def test_gpu_mode_shows_the_gpus_and_limits_resident_memory(
        tmp_path, monkeypatch):
    """No GPU is needed: the worker sees the machine's CUDA_VISIBLE_DEVICES
    instead of -1, has no address-space limit, and is killed once it holds
    more resident memory than the limit."""
    import resource

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    status, request = tmp_path / "probe.json", tmp_path / "request.json"
    request.write_text(json.dumps({
        "command": "probe", "port": 9, "status_path": str(status),
        "hold_mb": 1500, "hold_s": 60}))
    limits = Limits(timeout_s=120, memory_mb=1000, gpu=True)
    outcome = run_worker(request, tmp_path, limits, tmp_path / "log")
    probe = json.loads(status.read_text())
    assert probe["cuda_visible_devices"] == "3"
    assert probe["memory_limit"] == resource.RLIM_INFINITY
    assert outcome.over_memory and not outcome.timed_out and not outcome.ok
    assert outcome.explain(limits) == ("stopped at the 1000 MB memory limit "
                                       "(resident memory, GPU mode)")


@pytest.mark.parametrize("files, threads", [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "150000 100000\n"}, 2),  # Gradescope's 1.5 CPUs: 2
    ({"cpu/cpu.cfs_quota_us": "400000", "cpu/cpu.cfs_period_us": "100000"},
     4),
    ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"},
     None),
    ({}, None)])
def test_the_worker_uses_a_containers_cpu_quota(tmp_path, files, threads):
    from grading.sandbox.machine import worker_threads

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert worker_threads(tmp_path) == threads
