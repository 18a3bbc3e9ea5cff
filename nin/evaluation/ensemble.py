"""Ensemble saved runs: average their softmax outputs on the test set
(`labs/ensemble.py`).

Seed 004 (after CS231n): "same model, different initializations" or "top
models" make an ensemble that beats each member. Every run folder needs
its `config.json` and `model.keras` (loaded with `safe_mode=True`). The
test set is prepared for each run exactly as it was for training (its
dataset and standardization, from config.json, through
`nin.training.run_data`); all runs must share one dataset.
"""

from pathlib import Path

import keras
import numpy as np

import nin.layers  # noqa: F401  (registers the toolkit's layers)
from nin.training.config import RunConfig
from nin.training.run_data import prepare_data
from nin.training.run_folder import read_config, read_results


def run_config(run_dir, data_dir=None):
    """(the RunConfig a run was trained with, its name), from its
    config.json; `data_dir` where the data lives now, if it moved."""
    saved = read_config(run_dir)
    if saved is None:
        raise ValueError(f"{run_dir} is not a run directory: no config.json")
    changes = {} if data_dir is None else {"data_dir": data_dir}
    return RunConfig.from_json(saved, **changes), saved.get("run_name")


def member_predictions(run_dir, config, batch_size):
    """(softmax outputs on the test set, test labels) of one run."""
    model_path = Path(run_dir) / "model.keras"
    if not model_path.is_file():
        raise ValueError(f"{run_dir} has no model.keras (not finished?)")
    model = keras.saving.load_model(model_path, safe_mode=True)
    data = prepare_data(config)
    return (model.predict(data.x_test, batch_size=batch_size, verbose=0),
            data.y_test)


def ensemble(run_dirs, data_dir=None, batch_size=256):
    """The report dict: each member's and the ensemble's test accuracy."""
    if len(run_dirs) < 2:
        raise ValueError(
            f"An ensemble needs at least 2 runs. Received {len(run_dirs)}")
    members, outputs, labels, datasets = [], [], None, set()
    for run_dir in run_dirs:
        config, name = run_config(run_dir, data_dir)
        datasets.add(config.dataset)
        if len(datasets) > 1:
            raise ValueError(
                "All runs must share one dataset; found "
                f"{', '.join(sorted(datasets))}")
        probabilities, y_test = member_predictions(run_dir, config,
                                                   batch_size)
        if labels is not None and not np.array_equal(labels, y_test):
            raise ValueError(f"{run_dir} was tested on another test set")
        labels = y_test
        outputs.append(probabilities)
        recorded = (read_results(run_dir) or {}).get("test_accuracy")
        members.append({
            "run_dir": str(run_dir), "run_name": name,
            "test_accuracy": float(np.mean(
                probabilities.argmax(axis=1) == labels)),
            "recorded_test_accuracy": recorded,
        })
    average = np.mean(outputs, axis=0)
    accuracy = float(np.mean(average.argmax(axis=1) == labels))
    best = max(member["test_accuracy"] for member in members)
    return {"dataset": datasets.pop(), "test_size": int(len(labels)),
            "members": members, "ensemble_test_accuracy": accuracy,
            "best_member_test_accuracy": best,
            "gain_over_best_member": accuracy - best}
