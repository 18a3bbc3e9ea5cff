"""The grid and the BN study on a real Slurm cluster: a one-node cluster
for this machine (munged, slurmctld and slurmd started here, no cgroups,
no accounting), torn down at the end.

- the digits grid at a tiny width, submitted with `--slurm`, finishes
  all 10 runs, and `--status` says so;
- a class of two students made of those runs, graded with `grade.py
  --slurm` (a task per student, then the gradebook job), gets the
  gradebook that grading on this machine gives;
- a task cancelled mid-run and submitted again resumes after its last
  checkpoint and ends with the same weights as an uninterrupted run;
- a bad `--slurm-args`, Slurm absent, or sbatch refusing the job: one
  line, exit 2, nothing submitted.

`.ci/run` installs Debian's slurm-wlm and munge when they are missing;
where they are not installed these tests are skipped.
"""

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from grading import cli as grade
from nin.cli import bn_study, grid
from nin.report.lab_runs import RUN_NAMES

REPO = Path(__file__).resolve().parents[1]
DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel")
TINY = ["--dataset", "digits", "--epochs", "1", "--width", "0.125",
        "--precision", "fp32"]
CONFIG = """ClusterName=nintest
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
AuthInfo=socket={root}/munge/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
KillWait=5
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=8000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command, log):
    done = subprocess.run(command, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, (command, done.stderr, log.read_text()
                                  if log.exists() else "")


def stop(pid_file):
    try:
        os.kill(int(Path(pid_file).read_text()), signal.SIGTERM)
    except (OSError, ValueError):
        pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not all(shutil.which(name) for name in DAEMONS):
        pytest.skip("Slurm is not installed here (.ci/run installs "
                    "slurm-wlm and munge)")
    if os.geteuid() != 0:
        pytest.skip("the test cluster's slurmd runs as root")
    root = tmp_path_factory.mktemp("slurm")
    for folder in ("munge", "state", "spool"):
        (root / folder).mkdir()
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    conf = root / "slurm.conf"
    conf.write_text(CONFIG.format(
        host=socket.gethostname().split(".")[0], root=root,
        ctld_port=free_port(), slurmd_port=free_port(),
        cpus=os.cpu_count()))
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("SLURM_CONF", str(conf))
    started = time.monotonic()
    start(["munged", "--force", f"--socket={root}/munge/munge.socket",
           f"--key-file={key}", f"--pid-file={root}/munge/munged.pid",
           f"--log-file={root}/munge/munged.log",
           f"--seed-file={root}/munge/munged.seed"],
          root / "munge" / "munged.log")
    start(["slurmctld", "-f", str(conf)], root / "slurmctld.log")
    start(["slurmd", "-f", str(conf)], root / "slurmd.log")
    deadline = time.monotonic() + 60
    while "idle" not in subprocess.run(
            ["sinfo", "-h", "-o", "%t"], capture_output=True,
            text=True).stdout:
        assert time.monotonic() < deadline, (root / "slurmd.log").read_text()
        time.sleep(0.5)
    print(f"test cluster up in {time.monotonic() - started:.1f}s")
    yield root
    subprocess.run(["scancel", "--full", "-u", "root"], capture_output=True)
    for pid_file in ("slurmd.pid", "slurmctld.pid", "munge/munged.pid"):
        stop(root / pid_file)
    monkeypatch.undo()


def wait_for_queue(predicate, timeout=900):
    """Poll squeue until `predicate(queued lines)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        lines = subprocess.run(["squeue", "-h", "-r", "-o", "%F_%K %T"],
                               capture_output=True, text=True).stdout
        if predicate(lines.split("\n") if lines.strip() else []):
            return
        assert time.monotonic() < deadline, lines
        time.sleep(1)


def submitted_job(output):
    line = next(line for line in output.splitlines()
                if line.startswith("Submitted Slurm job "))
    return line.split()[3].rstrip(":")


def printed(main, argv):
    """(exit code, what `main(argv)` printed)."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = main(argv)
    return code, output.getvalue()


@pytest.fixture(scope="module")
def slurm_grid(cluster, tmp_path_factory):
    """The digits grid at a tiny width, trained on the cluster with
    `--slurm`: (its logdir, the job id)."""
    logdir = tmp_path_factory.mktemp("slurm-grid")
    code, out = printed(grid.main, ["--slurm", "--slurm-args=--time=30",
                                    *TINY, "--logdir", str(logdir)])
    assert code == 0, out
    job = submitted_job(out)
    wait_for_queue(lambda lines: not any(line.startswith(f"{job}_")
                                         for line in lines))
    return logdir, job


def test_the_digits_grid_on_slurm_finishes_all_ten_runs(slurm_grid,
                                                        capsys):
    logdir, job = slurm_grid
    options = [*TINY, "--logdir", str(logdir)]
    assert grid.main(["--status", *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(RUN_NAMES)
    for index, line in enumerate(lines):
        assert ("finished, test accuracy" in line
                or "diverged at epoch" in line), line
        assert line.endswith(f"Slurm {job}_{index}: left the queue")
    for name in RUN_NAMES:
        log = (logdir / name / "train.log").read_text()
        assert log.startswith(f"== Slurm job {job}_")
        assert (logdir / name / "results.json").is_file()
    # Nothing is left to submit, and a finished run is never trained again.
    assert grid.main(["--slurm", *options]) == 0
    assert "nothing to submit" in capsys.readouterr().out


def gradebook_without_times(out):
    """The gradebook's rows, less the columns that time the grading."""
    with open(out / "gradebook.csv", newline="") as handle:
        return [{key: value for key, value in row.items()
                 if key not in ("seconds", "peak_memory_mb")}
                for row in csv.DictReader(handle)]


def test_a_class_graded_on_slurm_gets_the_local_gradebook(slurm_grid,
                                                          tmp_path, capsys):
    """Two students from the Slurm grid's runs (all of them; the same
    runs but three), graded on one machine and on the cluster: the same
    gradebook, the copies flagged across the two tasks."""
    logdir, _ = slurm_grid
    submissions = tmp_path / "submissions"
    for student in ("ana", "ben"):
        for name in RUN_NAMES:
            shutil.copytree(logdir / name, submissions / student / "logs"
                            / name, ignore=shutil.ignore_patterns("*.log"))
    for name in ("WI", "ELU+BN", "Maxout+BN+WI"):
        shutil.rmtree(submissions / "ben" / "logs" / name)
    grading = ["--dataset", "digits", "--timeout", "300"]
    local, cluster_out = tmp_path / "local", tmp_path / "cluster"
    assert grade.main([str(submissions), "--out", str(local), "--jobs",
                       "2", *grading]) == 0
    expected = gradebook_without_times(local)
    assert [row["status"] for row in expected] == ["graded"] * 2
    assert "missing run (WI, ELU+BN, Maxout+BN+WI)" in expected[1]["flags"]
    assert "ben" in expected[0]["copies"] and "ana" in expected[1]["copies"]
    capsys.readouterr()

    assert grade.main([str(submissions), "--out", str(cluster_out),
                       "--slurm", "--slurm-args=--time=30", *grading]) == 0
    printed_lines = capsys.readouterr().out
    array = submitted_job(printed_lines)
    gradebook_job = printed_lines.split("; job ")[1].split()[0]
    wait_for_queue(lambda lines: not any(
        line.startswith((f"{array}_", f"{gradebook_job}_"))
        for line in lines))
    assert gradebook_without_times(cluster_out) == expected
    for student in ("ana", "ben"):
        log = (cluster_out / student / "slurm.log").read_text()
        assert log.startswith(f"== Slurm job {array}_")
        assert f"Graded {student}: " in log
    assert grade.main([str(submissions), "--out", str(cluster_out),
                       "--status", *grading]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ana: graded ")
    assert lines[0].endswith(f"Slurm task {array}_0 ended")
    assert lines[2].endswith(f"Slurm task {gradebook_job}_0 ended")


def weights(run_dir):
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


def test_a_cancelled_task_resumes_from_its_checkpoint(cluster, tmp_path,
                                                      capsys):
    flags = ["--only", "ELU+BN+WI", "--dataset", "digits", "--epochs", "5",
             "--width", "0.125", "--precision", "fp32", "--deterministic"]
    logdir = tmp_path / "slurm"
    assert grid.main(["--slurm", *flags, "--logdir", str(logdir)]) == 0
    job = submitted_job(capsys.readouterr().out)
    run_dir = logdir / "ELU+BN+WI"
    state = run_dir / "checkpoint" / "state.json"
    deadline = time.monotonic() + 600
    while not state.exists():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    subprocess.run(["scancel", job], check=True)
    wait_for_queue(lambda lines: not any(line.startswith(f"{job}_")
                                         for line in lines))
    assert not (run_dir / "results.json").exists()
    stopped_after = json.loads(state.read_text())["epoch"] + 1
    assert stopped_after < 5
    assert grid.main(["--status", *flags, "--logdir", str(logdir)]) == 0
    assert f"unfinished, epoch {stopped_after} of 5" in \
        capsys.readouterr().out

    assert grid.main(["--slurm", *flags, "--logdir", str(logdir)]) == 0
    again = submitted_job(capsys.readouterr().out)
    wait_for_queue(lambda lines: not any(line.startswith(f"{again}_")
                                         for line in lines))
    results = json.loads((run_dir / "results.json").read_text())
    assert results["resumed_at_epochs"] == [stopped_after]
    log = (run_dir / "train.log").read_text()
    assert log.count("== Slurm job ") == 2
    assert (f"Run ELU+BN+WI: resumed at epoch {stopped_after + 1}/"
            in log)

    # The same run, never interrupted, in its own process as a user runs
    # it: --deterministic switches TensorFlow's determinism on for the
    # whole process, and it must not leak into the tests that follow.
    alone = tmp_path / "alone"
    subprocess.run([sys.executable, "labs/lab4.py", "--act", "elu", "--bn",
                    "--wi", *flags[2:], "--verbose", "0", "--logdir",
                    str(alone)], cwd=REPO, check=True, capture_output=True)
    for mine, reference in zip(weights(run_dir),
                               weights(alone / "ELU+BN+WI")):
        assert np.array_equal(mine, reference)


def test_the_bn_study_on_slurm(cluster, tmp_path, capsys):
    options = ["--only", "activation-relu", "--models", "mlp", "--epochs",
               "1", "--width", "0.125", "--logdir", str(tmp_path)]
    assert bn_study.main(["--slurm", *options]) == 0
    job = submitted_job(capsys.readouterr().out)
    wait_for_queue(lambda lines: not any(line.startswith(f"{job}_")
                                         for line in lines))
    assert bn_study.main(["--status", *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all("finished, test accuracy" in line for line in lines)
    assert bn_study.main(["--report-only", *options]) == 0
    assert (tmp_path / "digits" / "report" / "report.md").is_file()


@pytest.mark.parametrize("slurm_args,message", [
    ("--array=1-3", "must not set --array: the toolkit sets it"),
    ("'--time=1", "is not valid shell quoting"),
    ("gpu:1", "must be sbatch options like --gres=gpu:1"),
    ("--partition=nope", "sbatch refused the job, nothing was submitted"),
])
def test_a_bad_submission_is_one_line_and_submits_nothing(
        cluster, tmp_path, capsys, slurm_args, message):
    with pytest.raises(SystemExit) as exit_info:
        grid.main(["--slurm", f"--slurm-args={slurm_args}", *TINY,
                   "--logdir", str(tmp_path)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("grid.py: error: ") and message in error
    assert error.count("\n") == 1
    assert not list(tmp_path.glob(".slurm/*"))  # nothing left behind
    queued = subprocess.run(["squeue", "-h"], capture_output=True,
                            text=True).stdout
    assert "nin-grid" not in queued


def test_without_slurm_the_submission_is_refused_in_one_line(tmp_path):
    # Only the virtual environment's bin/ on PATH: no sbatch there.
    result = subprocess.run(
        [sys.executable, "labs/grid.py", "--slurm", *TINY,
         "--logdir", str(tmp_path / "logs")], cwd=REPO,
        env={**os.environ, "PATH": str(Path(sys.executable).parent)},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines()
             if line.startswith("grid.py")]
    assert lines == ["grid.py: error: Slurm is not installed here: no "
                     "sbatch on PATH (run this on the cluster's login "
                     "node)"]
