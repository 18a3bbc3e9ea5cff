"""The console counts the whole run (`callbacks.progress.RunProgress`):
`Epoch k/N` with the learning rate and the best accuracy so far, a
resume says where it resumes, and the last line sums the run up."""

import re
import shutil
from pathlib import Path

from nin.cli import lab4

FLAGS = ["--dataset", "digits", "--width", "0.125", "--verbose", "2"]
# an interrupted 2-epoch BN run (epoch 1 checkpointed), see
# test_compatibility.py; trained where "auto" meant bf16
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "runs-29fd1da"


def _epoch_lines(out):
    return [line for line in out.splitlines() if line.startswith("Epoch ")]


def test_epochs_count_to_the_planned_total(tmp_path, capsys):
    assert lab4.main([*FLAGS, "--act", "elu", "--epochs", "2",
                      "--batch-size", "256", "--precision", "fp32",
                      "--logdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = _epoch_lines(out)
    assert lines[0] == "Epoch 1/2 - learning rate 0.1"
    assert re.fullmatch(r"Epoch 2/2 - learning rate 0\.001 - best test "
                        r"accuracy \d+\.\d\d% \(epoch 1\)", lines[1])
    assert len(lines) == 2
    assert re.fullmatch(
        r"ELU: test accuracy \d+\.\d\d%, best test accuracy \d+\.\d\d% "
        r"at epoch [12]/2, done in 0 min \d+ s\. Run folder: "
        + re.escape(f"{tmp_path / 'ELU'}; view it: tensorboard --logdir "
                    f"{tmp_path}"), out.splitlines()[-1])


def test_a_resumed_run_says_where_it_resumes(tmp_path, capsys):
    logdir = shutil.copytree(FIXTURE, tmp_path / "logs")
    assert lab4.main(["--bn", *FLAGS, "--epochs", "2", "--precision",
                      "bf16", "--logdir", str(logdir)]) == 0
    out = capsys.readouterr().out
    assert f"Run BN: resumed at epoch 2/2 from {logdir / 'BN'}" in out
    assert [line.split(" - best")[0] for line in _epoch_lines(out)] == [
        "Epoch 2/2 - learning rate 0.001"]  # drops scaled to 2 epochs
    assert "best test accuracy" in _epoch_lines(out)[0]
