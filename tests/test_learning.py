"""Offline learning on real data: scikit-learn's bundled digits."""

import json

from nin.cli import lab4


def test_small_nin_learns_digits_well_above_chance(tmp_path):
    # A quarter-width NIN with more, smaller steps than the recipe (digits
    # has only 1,437 training images): about a minute on 2 cores.
    code = lab4.main([
        "--act", "elu", "--bn", "--wi", "--dataset", "digits",
        "--epochs", "10", "--width", "0.25", "--batch-size", "32",
        "--lr-drops", "7,9", "--verbose", "0", "--logdir", str(tmp_path),
    ])
    assert code == 0
    results = json.loads(
        (tmp_path / "ELU+BN+WI" / "results.json").read_text())
    assert results["test_accuracy"] >= 0.90  # chance is 0.10
    assert results["best_test_accuracy"] >= results["test_accuracy"]
