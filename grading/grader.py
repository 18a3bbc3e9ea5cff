"""Grade a class: every submission, one at a time, each in its own sandbox.

`grade_class` lists the students (each a folder or a `.zip` in the
submissions folder), grades each one (`grade_student`) and writes
`OUT/STUDENT/results.json`, `OUT/STUDENT/feedback.md`,
`OUT/STUDENT/grader.log`, `OUT/STUDENT/fingerprints.json` (for copy
detection) and finally `OUT/gradebook.csv`, after flagging possible copies
across the whole class (`grading.copies.similarity`). A submission that is
unsafe, corrupt or crashes the worker gets a result that says so, and the
class goes on; a line per student shows the progress and an ETA. Scratch
files live in `OUT/.work/STUDENT/` and are removed when the student is
done: nothing is written outside OUT. Where the rubric has hidden tests,
the code the submission carries in `code/` is tested too, in a sandbox
of its own (`grading.assignment.hidden_tests`).
"""

import concurrent.futures
import dataclasses
import json
import re
import shutil
import time
from pathlib import Path
from typing import Optional

from callbacks.atomic import write_json_atomic
from grading.assignment.hidden_tests import run_hidden_tests
from grading.checks import scoring
from grading.copies import similarity as copies
from grading.inputs import archive
from grading.report import results as report
from grading.report.progress import Progress
from grading.sandbox.process import Limits, run_worker
from grading.sandbox.worker import USAGE_FILE

SAFE_NAME = re.compile(r"[^A-Za-z0-9._@+-]")
WORK = ".work"


@dataclasses.dataclass
class Settings:
    out: Path
    rubric: dict
    dataset: str = "cifar10"
    data_dir: Optional[str] = None
    limits: Limits = dataclasses.field(default_factory=Limits)
    max_files: int = archive.DEFAULT_MAX_FILES
    max_bytes: int = archive.DEFAULT_MAX_BYTES
    precision: str = "auto"  # of re-measurement: grading.sandbox.context
    sandbox: str = "auto"  # of hidden tests: grading.sandbox.bubblewrap


def list_students(submissions):
    """{student name: submission path}, sorted; refuses name clashes."""
    students = {}
    for path in sorted(Path(submissions).iterdir()):
        if path.name.startswith("."):
            continue
        stem = path.stem if path.suffix.lower() == ".zip" else path.name
        name = SAFE_NAME.sub("_", stem)[:100] or "_"
        while name in students:
            name += "_"
        students[name] = path
    return students


def grade_class(submissions, settings, only=None, jobs=1, gradebook=True):
    """Grade every student (or `only` one); returns {name: result}.

    `jobs` students are graded at once, each in its own worker process.
    Without `gradebook` (one Slurm task of `grading.platforms.slurm`), only the
    students' own files are written: the job that ends the array calls
    `finish_class`.
    """
    students = list_students(submissions)
    if only is not None and only not in students:
        raise ValueError(f"--only {only!r}: no such student in "
                         f"{submissions}. Students: {', '.join(students)}")
    chosen = {name: path for name, path in students.items()
              if only is None or name == only}
    settings.out.mkdir(parents=True, exist_ok=True)
    graded, progress = {}, Progress(len(chosen))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_student, name, path, settings): name
                   for name, path in chosen.items()}
        for future in concurrent.futures.as_completed(futures):
            name = futures[future]
            graded[name] = future.result()
            report.write_student(settings.out / name, name, graded[name],
                                 settings.rubric)
            progress.finished(name, graded[name],
                              graded[name]["extra_data"]["seconds"])
    if gradebook:
        finish_class(submissions, settings)
    return graded


def finish_class(submissions, settings):
    """Flag copies across the class and write OUT/gradebook.csv from the
    students' results; remove the scratch folder. Returns the students."""
    students = list(list_students(submissions))
    settings.out.mkdir(parents=True, exist_ok=True)
    flag_copies(settings.out, students, settings.rubric)
    report.write_gradebook(settings.out, students)
    shutil.rmtree(settings.out / WORK, ignore_errors=True)
    return students


def flag_copies(out, students, rubric):
    """Flag possible copies across every graded student (their stored
    fingerprints), so a regrade with --only updates the others too."""
    flags = copies.student_flags(copies.load_fingerprints(out, students))
    for name in students:
        report.set_copy_flags(out / name, name, flags.get(name, []),
                              rubric)


def grade_student(name, path, settings):
    """One student's Gradescope-style result dict; never raises. Its
    `extra_data` holds the seconds it took and the worker's peak memory;
    the runs' fingerprints go to OUT/STUDENT/fingerprints.json."""
    start = time.monotonic()
    work = settings.out / WORK / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    folder = settings.out / name
    log = folder / "grader.log"
    folder.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")
    (folder / copies.FINGERPRINTS).unlink(missing_ok=True)
    usage = {}
    try:
        root = _prepare(path, work, settings, log)
        facts, problem, isolated, usage = _measure(root, work, settings,
                                                   log)
        _keep_fingerprints(folder, facts, settings.rubric)
        hidden = None
        if "hidden_tests" in settings.rubric:
            hidden = run_hidden_tests(root, work,
                                      settings.rubric["hidden_tests"],
                                      settings.limits, log, settings.sandbox)
        result = scoring.score(settings.rubric, facts, problem, isolated,
                               hidden)
    except archive.UnsafeSubmissionError as error:
        result = report.refused(settings.rubric, str(error))
    except Exception as error:  # the class goes on whatever happens here
        result = report.failed(settings.rubric,
                               f"grading error: {type(error).__name__}: "
                               f"{error}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - start
    result["execution_time"] = int(round(seconds))
    result["extra_data"].update(seconds=round(seconds, 1),
                                peak_memory_mb=usage.get("peak_rss_mb"),
                                precision=usage.get("precision"))
    return result


def _keep_fingerprints(folder, facts, rubric):
    runs = {run: entry["fingerprint"] for run, entry in zip(
        rubric["runs"], facts) if entry and entry.get("fingerprint")}
    if runs:
        write_json_atomic(folder / copies.FINGERPRINTS, runs)


def _prepare(path, work, settings, log):
    """The folder to grade: the student's folder, or the extracted zip."""
    if path.is_symlink():
        raise archive.UnsafeSubmissionError(
            f"{path.name} is a symlink; submissions must be real files")
    if path.is_dir():
        archive.check_folder(path, settings.max_files, settings.max_bytes)
        return path
    if path.suffix.lower() != ".zip" or not path.is_file():
        raise archive.UnsafeSubmissionError(
            f"{path.name} is neither a folder nor a .zip file")
    destination, status = work / "files", work / "extract.json"
    request = {"command": "extract", "archive": str(path.resolve()),
               "destination": str(destination), "status_path": str(status),
               "max_files": settings.max_files,
               "max_bytes": settings.max_bytes}
    outcome = _run(request, work, settings, log)
    if not status.is_file():
        raise archive.UnsafeSubmissionError(
            f"extraction {outcome.explain(settings.limits)}")
    result = json.loads(status.read_text())
    if not result["ok"]:
        raise archive.UnsafeSubmissionError(result["reason"])
    return destination


def _run(request, work, settings, log):
    request_path = work / "request.json"
    request_path.write_text(json.dumps(request))
    return run_worker(request_path, work, settings.limits, log)


def _measure(root, work, settings, log):
    """(facts per run, a problem sentence or None) from the worker."""
    facts_dir = work / "facts"
    facts_dir.mkdir()
    rubric = settings.rubric
    request = {"command": "measure", "root": str(Path(root).resolve()),
               "runs": rubric["required"], "dataset": settings.dataset,
               "data_dir": settings.data_dir, "facts_dir": str(facts_dir),
               "precision": settings.precision,
               "maxout_tolerance": rubric["items"].get(
                   "maxout", {}).get("tolerance", 1e-5)}
    outcome = _run(request, work, settings, log)
    facts = []
    for index, run in enumerate(rubric["runs"]):
        path = facts_dir / f"{index:02d}.json"
        facts.append(json.loads(path.read_text()) if path.is_file()
                     else None)
    problem = None if outcome.ok else \
        f"the grading worker {outcome.explain(settings.limits)}"
    usage_path = facts_dir / USAGE_FILE
    usage = json.loads(usage_path.read_text()) if usage_path.is_file() \
        else {}
    return facts, problem, outcome.network_isolated, usage
