"""Offline learning on real data: the README's first command, on
scikit-learn's bundled digits, reaches at least 90% test accuracy."""

import json
import shlex
from pathlib import Path

from nin.cli import lab4

README = Path(__file__).resolve().parents[1] / "README.md"


def quickstart_flags():
    """The lab4.py flags of the README's set-up command."""
    line = next(line for line in README.read_text().splitlines()
                if line.strip().startswith("pip install -r requirements.txt"))
    words = shlex.split(line.split("&&")[1])
    assert words[:2] == ["python", "labs/lab4.py"]
    return words[2:]


def test_the_quickstart_learns_digits_well_above_chance(tmp_path):
    # A quarter-width NIN with more, smaller steps than the recipe (digits
    # has only 1,437 training images): about a minute on 2 cores.
    flags = quickstart_flags()
    assert flags[flags.index("--dataset") + 1] == "digits"
    code = lab4.main([*flags, "--verbose", "0", "--logdir", str(tmp_path)])
    assert code == 0
    results = json.loads(
        (tmp_path / "ELU+BN+WI" / "results.json").read_text())
    assert results["test_accuracy"] >= 0.90  # chance is 0.10
    assert results["best_test_accuracy"] >= results["test_accuracy"]
