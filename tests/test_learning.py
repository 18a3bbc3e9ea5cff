"""Offline learning on real data: scikit-learn's bundled digits."""

import json

import lab4


def test_small_nin_learns_digits_well_above_chance(tmp_path):
    code = lab4.main([
        "--act", "elu", "--bn", "--wi", "--dataset", "digits",
        "--epochs", "6", "--width", "0.25", "--verbose", "0",
        "--logdir", str(tmp_path),
    ])
    assert code == 0
    results = json.loads(
        (tmp_path / "ELU+BN+WI" / "results.json").read_text())
    assert results["test_accuracy"] >= 0.85  # chance is 0.10
    assert results["best_test_accuracy"] >= results["test_accuracy"]
