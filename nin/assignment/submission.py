"""submission.zip: the student's code and the runs the rubric requires.

The zip holds only what the grader reads:

    code/<file>          each file of the kit that holds a part (kit.json's
                         `code`), at its path in the kit
    runs/<RUN>/          each required run (kit.json's `runs`): config.json,
                         results.json, model.keras and the TensorBoard
                         event files of train/ and test/
    check.txt            what `labs/check.py` said when it was packed

and none of a run's checkpoint/ (the final model is model.keras), caches,
logs or other files. A missing run, an existing zip (never overwritten) or
a zip above the size limit is refused before anything is left behind.
"""

import json
import zipfile
from pathlib import Path

DEFAULT_MAX_MB = 100  # Gradescope's practical upload limit
MEGABYTE = 1_000_000
RUN_FILES = ("config.json", "results.json", "model.keras")
EVENT_FOLDERS = ("train", "test")
EVENTS = "events.out.tfevents.*"


def run_files(run_folder):
    """([(path, name in the run's folder)], [what is missing])."""
    run_folder = Path(run_folder)
    if not run_folder.is_dir():
        return [], ["no folder"]
    files, missing = [], []
    for name in RUN_FILES:
        if (run_folder / name).is_file():
            files.append((run_folder / name, name))
        else:
            missing.append(f"no {name}")
    if (run_folder / "results.json").is_file():
        try:
            json.loads((run_folder / "results.json").read_text())
        except ValueError:
            missing.append("results.json is not JSON")
    for folder in EVENT_FOLDERS:
        events = sorted((run_folder / folder).glob(EVENTS))
        if not events:
            missing.append(f"no {folder}/ events")
        files.extend((path, f"{folder}/{path.name}") for path in events
                     if path.is_file())
    return files, missing


def collect(kit, logdir, root):
    """[(path, name in the zip)] of the code and the required runs, or a
    ValueError naming every missing run or file."""
    logdir, root = Path(logdir), Path(root)
    entries = [(root / name, f"code/{name}") for name in kit["code"]]
    problems = [f"code/{name}: no such file in the kit"
                for name in kit["code"] if not (root / name).is_file()]
    for run in kit["runs"]:
        files, missing = run_files(logdir / run)
        if missing:
            problems.append(f"{run} ({', '.join(missing)})")
        entries.extend((path, f"runs/{run}/{name}") for path, name in files)
    if problems:
        raise ValueError(
            f"Expected the {len(kit['runs'])} runs the lab requires, "
            f"finished, in {logdir}/ ({', '.join(kit['runs'])}). Received: "
            f"{'; '.join(problems)}. Train them (python labs/grid.py "
            f"--logdir {logdir}) and submit again")
    return entries


def check_output(output):
    output = Path(output)
    if output.exists():
        raise ValueError(f"Expected no file at {output} (a submission is "
                         f"never overwritten). Received: an existing "
                         f"{output}; remove it or pass --output OTHER.zip")
    if output.suffix != ".zip":
        raise ValueError(f"Expected --output to end in .zip. Received: "
                         f"{output}")
    return output


def write_submission(output, entries, check_text, max_mb=DEFAULT_MAX_MB):
    """Write the zip at `output` (absent), or refuse above `max_mb`;
    returns its size in bytes."""
    output = check_output(output)
    if not max_mb > 0:
        raise ValueError(f"Expected --max-mb > 0. Received: {max_mb!r}")
    partial = output.with_name(f".partial-{output.name}")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, name in entries:
                archive.write(path, name)
            archive.writestr("check.txt", check_text)
        size = partial.stat().st_size
        if size > max_mb * MEGABYTE:
            largest = sorted(entries, key=lambda e: -e[0].stat().st_size)[:3]
            raise ValueError(
                f"Expected a submission of at most {max_mb:g} MB. Received: "
                f"{size / MEGABYTE:.2f} MB; the largest files: "
                + ", ".join(f"{name} ({path.stat().st_size / MEGABYTE:.2f} "
                            "MB)" for path, name in largest))
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return size
