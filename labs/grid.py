"""Train the lab's 10 runs one after another: `python labs/grid.py`.

Runs seed 001's 2x2x2 grid (ReLU/ELU x BN x WI) plus LReLU+BN+WI and
Maxout+BN+WI, each as its own `labs/lab4.py` process, so no memory is
carried from one run to the next. Every other option goes to `lab4.py`
unchanged (`--dataset digits --epochs 2 --width 0.25 --logdir logs/d`).

- A run whose folder holds `results.json` is finished and skipped without
  starting a process, so running the same command again continues the
  grid where it stopped. A finished run trained with other settings (2
  epochs where 164 are asked, say) is left alone and reported as failed;
  `--overwrite` only reaches the runs that are not finished.
- `--only ELU+BN+WI,BN` picks runs; `--list` prints one `lab4.py` command
  per line instead of running anything (for a cluster queue, GNU
  `parallel` or several GPUs).
- A run that diverges (lab4 exit code 3) or fails (2: bad input, other:
  crash) does not stop the grid. The closing summary gives each run's
  status, test accuracy and time.

Exit code: 0 all runs finished, 3 none failed but some diverged, 1 some
failed, 2 bad options (before anything runs), 130 interrupted.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import _path  # noqa: F401  (repository root on sys.path)
from lab_runs import LAB_RUNS, RUN_NAMES, select_runs

LAB4 = Path(__file__).resolve().with_name("lab4.py")
EXIT_FAILED, EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 1, 2, 3, 130
# What a finished run must match to count as the asked run (config.json).
SETTINGS = ("model", "dataset", "epochs", "batch_size", "lr", "lr_drops",
            "lr_factor", "momentum", "nesterov", "width", "model_options",
            "augment", "seed")


def make_parser():
    parser = argparse.ArgumentParser(
        prog="grid.py", allow_abbrev=False,
        description="Train the lab's 10 runs one after another. Options "
                    "not listed here go to every labs/lab4.py run "
                    "(see python labs/lab4.py --help).",
        epilog="Runs: " + ", ".join(RUN_NAMES),
    )
    parser.add_argument("--only", default=None, metavar="NAME[,NAME]",
                        help="run only these runs (names as listed below)")
    parser.add_argument("--list", action="store_true",
                        help="print one lab4.py command per run and exit")
    return parser


def plan(runs, lab4_options):
    """[(run, run_dir, settings)], checking options as lab4.py would.

    Raises `ValueError` for options lab4.py rejects and for options that
    would change the run itself (`--act`, `--bn`, `--wi`: use `--only`).
    """
    import lab4  # imports Keras (no device is touched: nothing is built)

    parser = lab4.make_parser()
    parser.error = _raise_value_error  # one line from main, no usage
    planned = []
    for run in runs:
        args = parser.parse_args([*run.lab4_args(), *lab4_options])
        config = lab4.config_from_args(args)
        if (config.activation, config.batch_norm, config.he_init) != (
                run.activation, run.batch_norm, run.he_init):
            raise ValueError(
                "the grid sets --act, --bn and --wi for each run; pick runs "
                "with --only NAME[,NAME] instead")
        settings = json.loads(json.dumps({  # as config.json holds them
            key: value for key, value in config.to_json().items()
            if key in SETTINGS}))
        planned.append((run, Path(config.logdir) / config.run_name,
                        settings))
    return planned


def other_settings(run_dir, settings):
    """'key A (asked B)' for each setting a finished run differs in."""
    path = Path(run_dir) / "config.json"
    found = json.loads(path.read_text()) if path.exists() else {}
    return [f"{key} {found.get(key)!r} (asked {value!r})"
            for key, value in settings.items() if found.get(key) != value]


def _raise_value_error(message):
    raise ValueError(message)


def lab4_command(run, lab4_options):
    return [sys.executable, str(LAB4), *run.lab4_args(), *lab4_options]


def shown_command(run, lab4_options):
    """The command as a user would type it from the current folder."""
    script = os.path.relpath(LAB4) if LAB4.is_relative_to(Path.cwd()) \
        else str(LAB4)
    return shlex.join(["python", script, *run.lab4_args(), *lab4_options])


def read_results(run_dir):
    path = Path(run_dir) / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def status_of(exit_code, results):
    """What a lab4.py process ending with `exit_code` did."""
    if exit_code == 0:
        return "done" if results else "failed (exit 0, no results.json)"
    if exit_code == EXIT_DIVERGED:
        return "diverged"
    if exit_code == EXIT_BAD_INPUT:
        return "failed (exit 2: bad input)"
    if exit_code < 0:
        return f"failed (signal {-exit_code})"
    return f"failed (exit {exit_code})"


def train_run(run, run_dir, lab4_options, index, total):
    """Run one lab4.py process, its output streamed; return its record."""
    command = lab4_command(run, lab4_options)
    print(f"\n=== [{index}/{total}] {run.name}: "
          f"{shown_command(run, lab4_options)}", flush=True)
    started = time.monotonic()
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    exit_code = subprocess.run(command, env=environment).returncode
    results = read_results(run_dir)
    return _record(run.name, status_of(exit_code, results), results,
                   time.monotonic() - started)


def _record(run_name, status, results=None, seconds=0.0):
    return {"run": run_name, "status": status, "results": results,
            "seconds": seconds}


def skip_run(run, run_dir, settings, results, header):
    """The record of a finished run; never trained again, even if its
    settings differ from the asked ones (then it counts as failed)."""
    differences = other_settings(run_dir, settings)
    if differences:
        print(f"{header}: {run_dir} holds a finished run with other "
              f"settings: {', '.join(differences)}. Not trained; use "
              "another --logdir.", flush=True)
        return _record(run.name, "failed (other settings)", results)
    print(f"{header}: finished in {run_dir}, skipped", flush=True)
    diverged = ", diverged" if results.get("diverged") else ""
    return _record(run.name, f"skipped (finished{diverged})", results)


def run_grid(planned, lab4_options):
    """Train or skip each planned run; returns one record per run."""
    records = []
    try:
        for index, (run, run_dir, settings) in enumerate(planned, start=1):
            results = read_results(run_dir)
            if results is None:
                records.append(train_run(run, run_dir, lab4_options, index,
                                         len(planned)))
            else:
                records.append(skip_run(
                    run, run_dir, settings, results,
                    f"=== [{index}/{len(planned)}] {run.name}"))
    except KeyboardInterrupt:
        records.append(_record(planned[len(records)][0].name,
                               "interrupted"))
    for run, _, _ in planned[len(records):]:
        records.append(_record(run.name, "not run"))
    return records


def format_summary(records):
    lines = [f"{'run':<14} {'status':<32} {'test acc':>9} {'time':>9}"]
    for record in records:
        results = record["results"] or {}
        accuracy = results.get("test_accuracy")
        shown = "-" if accuracy is None else f"{100 * accuracy:.2f}%"
        lines.append(f"{record['run']:<14} {record['status']:<32} "
                     f"{shown:>9} {record['seconds']:>8.1f}s")
    return "\n".join(lines)


def grid_exit_code(records):
    statuses = [record["status"] for record in records]
    if "interrupted" in statuses:
        return EXIT_INTERRUPTED
    if any(s.startswith("failed") or s == "not run" for s in statuses):
        return EXIT_FAILED
    if any("diverged" in s for s in statuses):
        return EXIT_DIVERGED
    return 0


def main(argv=None):
    parser = make_parser()
    args, lab4_options = parser.parse_known_args(argv)
    try:
        runs = select_runs(args.only) if args.only else LAB_RUNS
        planned = plan(runs, lab4_options)
    except ValueError as error:  # bad input: one line, no traceback
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    if args.list:
        for run, _, _ in planned:
            print(shown_command(run, lab4_options))
        return 0
    started = time.monotonic()
    records = run_grid(planned, lab4_options)
    print(f"\nGrid summary ({time.monotonic() - started:.1f}s):")
    print(format_summary(records), flush=True)
    return grid_exit_code(records)


if __name__ == "__main__":
    sys.exit(main())
