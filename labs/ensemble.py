"""Ensemble saved runs: average their softmax outputs on the test set.

    python labs/ensemble.py logs/ELU+BN+WI logs/ELU+BN logs/BN

Seed 004 (after CS231n): "same model, different initializations" or "top
models" make an ensemble that beats each member. Every RUN_DIR needs its
`config.json` and `model.keras` (loaded with `safe_mode=True`). The test
set is prepared for each run exactly as it was for training (its dataset
and standardization, from config.json, through `nin.run_data`); all runs
must share one dataset. Prints each member's test accuracy and the
ensemble's, and writes them to a JSON file (`--output`, never
overwritten without `--overwrite`). Exit codes: 0 done, 2 bad input,
4 a file could not be written.
"""

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import _path  # noqa: F401  (repository root on sys.path)

from lab4 import positive_int


def make_parser():
    parser = argparse.ArgumentParser(
        prog="ensemble.py",
        description="Average the softmax of saved runs on the test set.")
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    parser.add_argument("--output", default="ensemble.json",
                        help="JSON file to write (default ensemble.json)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing --output file")
    parser.add_argument("--data-dir", default=None,
                        help="the dataset's folder, if it moved since "
                             "training")
    parser.add_argument("--batch-size", type=positive_int, default=256)
    return parser


def run_config(run_dir, data_dir=None):
    """The RunConfig a run was trained with, from its config.json."""
    from nin.config import RunConfig

    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise ValueError(f"{run_dir} is not a run directory: no config.json")
    saved = json.loads(path.read_text())
    fields = {field.name for field in dataclasses.fields(RunConfig)}
    settings = {key: value for key, value in saved.items() if key in fields}
    if data_dir is not None:
        settings["data_dir"] = data_dir
    return RunConfig(**settings), saved.get("run_name")


def member_predictions(run_dir, config, batch_size):
    """(softmax outputs on the test set, test labels) of one run."""
    import keras

    import nin  # noqa: F401  (registers the custom layers)
    from nin.run_data import prepare_data

    model_path = Path(run_dir) / "model.keras"
    if not model_path.is_file():
        raise ValueError(f"{run_dir} has no model.keras (not finished?)")
    model = keras.saving.load_model(model_path, safe_mode=True)
    data = prepare_data(config)
    return (model.predict(data.x_test, batch_size=batch_size, verbose=0),
            data.y_test)


def ensemble(run_dirs, data_dir=None, batch_size=256):
    """The report dict: each member's and the ensemble's test accuracy."""
    import numpy as np

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
        results_path = Path(run_dir) / "results.json"
        recorded = (json.loads(results_path.read_text()).get("test_accuracy")
                    if results_path.is_file() else None)
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


def print_table(report):
    width = max(len(m["run_dir"]) for m in report["members"]) + 2
    print(f"{'run':<{width}} test accuracy")
    for member in report["members"]:
        print(f"{member['run_dir']:<{width}} "
              f"{100 * member['test_accuracy']:.2f}%")
    print(f"{'ensemble (mean softmax)':<{width}} "
          f"{100 * report['ensemble_test_accuracy']:.2f}%  "
          f"({100 * report['gain_over_best_member']:+.2f} points over the "
          f"best member, {report['test_size']} {report['dataset']} test "
          "images)")


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    output = Path(args.output)
    try:
        if output.exists() and not args.overwrite:
            raise ValueError(
                f"{output} exists; choose another --output or pass "
                "--overwrite")
        report = ensemble(args.run_dirs, args.data_dir, args.batch_size)
    except ValueError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    print_table(report)
    try:
        from callbacks import write_json_atomic

        write_json_atomic(output, report)
    except OSError as error:
        parser.exit(4, f"{parser.prog}: error: could not write {output} "
                       f"({error})\n")
    print(f"Written: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
