"""Runs are never lost: exact resume after SIGKILL / Ctrl-C, write errors,
settings that changed, and the checkpoint's atomicity."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import (
    EventAccumulator,
)

from nin.cli import lab4

REPO = Path(__file__).resolve().parents[1]
RUN = "ELU+BN+WI"
EPOCHS = 5  # enough that a signal after epoch 0 lands before the end
ARGS = ["--act", "elu", "--bn", "--wi", "--dataset", "synthetic",
        "--epochs", str(EPOCHS), "--width", "0.25", "--batch-size", "8",
        "--deterministic", "--verbose", "0"]


def command(logdir):
    return [sys.executable, "labs/lab4.py", *ARGS, "--logdir", str(logdir)]


def run_to_end(logdir):
    result = subprocess.run(command(logdir), cwd=REPO, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _default_sigint():
    # A shell without job control starts background jobs (CI, nohup) with
    # SIGINT ignored, and Python then never raises KeyboardInterrupt; a
    # terminal's Ctrl-C reaches a foreground run with the default action.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_and_stop_mid_epoch(logdir, sig):
    """Start a run, send `sig` once epoch 0 is checkpointed (mid epoch 1)."""
    process = subprocess.Popen(command(logdir), cwd=REPO,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=_default_sigint)
    state = logdir / RUN / "checkpoint" / "state.json"
    deadline = time.monotonic() + 300
    while not state.exists() and process.poll() is None:
        assert time.monotonic() < deadline, "no checkpoint in time"
        time.sleep(0.05)
    time.sleep(0.1)  # inside epoch 1 or 2
    process.send_signal(sig)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err, json.loads(state.read_text())


def weights_of(run_dir):
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


def scalars(directory, tag):
    accumulator = EventAccumulator(str(directory))
    accumulator.Reload()
    return [(e.step, e.tensor_proto.float_val[0])
            for e in accumulator.Tensors(tag)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("straight")
    run_to_end(logdir)
    return logdir / RUN


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path,
                                                        uninterrupted):
    code, _, _, state = start_and_stop_mid_epoch(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert state["epoch"] < EPOCHS - 1
    assert not (tmp_path / RUN / "results.json").exists()
    out = run_to_end(tmp_path)
    assert "Run ELU+BN+WI: resumed at epoch " in out
    resumed = tmp_path / RUN
    for mine, reference in zip(weights_of(resumed),
                               weights_of(uninterrupted)):
        assert np.array_equal(mine, reference)
    results = json.loads((resumed / "results.json").read_text())
    reference = json.loads((uninterrupted / "results.json").read_text())
    assert results["test_accuracy"] == reference["test_accuracy"]
    assert results["resumed_at_epochs"] == [state["epoch"] + 1]
    # TensorBoard: each epoch exactly once, in order, same values.
    for split, tag in [("train", "epoch_loss"), ("test", "epoch_accuracy"),
                       ("train", "learning_rate")]:
        mine = scalars(resumed / split, tag)
        assert [step for step, _ in mine] == list(range(EPOCHS))
        assert mine == scalars(uninterrupted / split, tag)


def test_ctrl_c_keeps_the_checkpoint_and_resumes_bit_identical(
        tmp_path, uninterrupted):
    # Ctrl-C stops the epoch at the next batch end; the cut epoch is
    # never checkpointed as a whole one (callbacks.interrupt).
    code, out, err, state = start_and_stop_mid_epoch(tmp_path,
                                                     signal.SIGINT)
    assert code == 130, f"exit {code}; stdout: {out[-800:]}; " \
        f"stderr: {err[-1500:]}; checkpoint: {state}"
    assert "run the same command again to resume" in err
    assert "Traceback" not in err
    model_file = tmp_path / RUN / "checkpoint" / state["model_file"]
    assert model_file.is_file()
    assert not list((tmp_path / RUN).rglob(".partial-*"))
    assert state["epoch"] < EPOCHS - 1
    run_to_end(tmp_path)
    for mine, reference in zip(weights_of(tmp_path / RUN),
                               weights_of(uninterrupted)):
        assert np.array_equal(mine, reference)


def test_changed_settings_are_refused_on_resume(tmp_path, capsys):
    args = ["--dataset", "synthetic", "--width", "0.125", "--verbose", "0",
            "--logdir", str(tmp_path)]
    run_dir = tmp_path / "None"
    run_dir.mkdir()
    config = lab4.config_from_args(lab4.make_parser().parse_args(
        [*args, "--epochs", "2"]))
    (run_dir / "config.json").write_text(json.dumps(config.to_json()))
    with pytest.raises(SystemExit) as exit_info:
        lab4.main([*args, "--epochs", "5"])
    assert exit_info.value.code == 2
    assert "epochs: 2 (saved) vs 5 (now)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        lab4.main([*args, "--epochs", "2", "--no-resume"])
    assert exit_info.value.code == 2


def test_a_full_disk_is_one_clear_error_and_leaves_nothing_complete(
        tmp_path, monkeypatch, capsys):
    import callbacks.atomic as atomic

    replace = os.replace

    def full_disk(source, target):  # the disk fills at the first model
        if str(target).endswith(".keras"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        replace(source, target)

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(SystemExit) as exit_info:
        lab4.main(["--dataset", "synthetic", "--width", "0.125",
                   "--epochs", "1", "--verbose", "0",
                   "--logdir", str(tmp_path)])
    assert exit_info.value.code == 4
    err = capsys.readouterr().err.strip()
    assert "No space left on device" in err and len(err.splitlines()) == 1
    assert (tmp_path / "None" / "config.json").is_file()
    assert not (tmp_path / "None" / "results.json").exists()
    assert not (tmp_path / "None" / "model.keras").exists()
    assert not list((tmp_path / "None" / "checkpoint").iterdir())
    assert not list(tmp_path.rglob(".partial-*"))


def test_a_run_being_trained_is_never_trained_twice_at_once(tmp_path,
                                                            capsys):
    first = subprocess.Popen(command(tmp_path), cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    state = tmp_path / RUN / "checkpoint" / "state.json"
    deadline = time.monotonic() + 300
    while not state.exists():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    with pytest.raises(SystemExit) as exit_info:
        lab4.main([*ARGS, "--logdir", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "is being trained by another process right now" in \
        capsys.readouterr().err
    first.kill()
    first.communicate()
    from nin.training.run_folder import lock_run, release_run

    lock_run(tmp_path / RUN)  # the killed process let go of it
    release_run(tmp_path / RUN)
    assert not (tmp_path / RUN / ".lock").exists()
