"""The release: the students' starter kit and the course's autograder.

`labs/release.py OUT` (grading.assignment.cli) writes, into a new or
empty OUT (a user's files are never overwritten):

    OUT/student/      the starter kit: nin/ and callbacks/ with the parts
                      of the release config's `blank` replaced by
                      NotImplementedError (markers.py), the other solution
                      blocks' markers removed; the labs/ entry points a
                      student uses (every one that does not reach the
                      grader), the config's `tests`, pyproject.toml (no
                      grading package), requirements*.txt, a student
                      README (student_readme.md) and nin/assignment/
                      kit.json (the parts, the rubric's runs, the files
                      that hold the parts: what check and submit read)
    OUT/autograder/   rubric.json (the rubric with a `hidden_tests`
                      section for the blanked parts, settings from the
                      release config's `hidden_tests`), autograder.zip
                      (the Gradescope bundle of `labs/grade.py
                      --gradescope-bundle` with that rubric: it grades
                      the runs and runs the hidden tests on the code,
                      grading.assignment.hidden_tests) and release.json
                      (the config used)

The kit is then scanned (`scan_kit`): any solution marker, any pair of
consecutive solution lines, any grading/ folder or import of `grading`
fails the release, and the partial OUT is removed.
"""

import json
import re
import shutil
import tomllib
from pathlib import Path

from grading.assignment import markers
from grading.platforms.bundle import (
    DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, SKIPPED, source_root, write_bundle)
from grading.rubric import DEFAULT_RUBRIC, load_rubric, validate_rubric
from nin.assignment.kit import KIT_FILE
from nin.assignment.public_checks import CHECKS

ASSIGNMENT = Path(__file__).parent
README_TEMPLATE = ASSIGNMENT / "student_readme.md"
KIT_PACKAGES = ("nin", "callbacks")
KIT_FILES = ("requirements.txt", "requirements-test.txt", ".gitignore")
GRADER = "grading"
GRADER_IMPORT = re.compile(r"^\s*(?:from|import)\s+grading\b", re.MULTILINE)
TEXT_SUFFIXES = (".py", ".md", ".toml", ".txt", ".json", ".ipynb", ".sh",
                 ".cfg", ".ini", "")
MIN_WINDOW_CHARS = 30  # a pair of solution lines shorter than this is no leak


def check_out(out):
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        what = "a file" if not out.is_dir() else \
            f"a folder holding {len(list(out.iterdir()))} entries"
        raise ValueError(f"Expected OUT to be a new or empty folder (a "
                         f"release never overwrites files). Received: "
                         f"{out}, {what}")
    return out


def kit_pyproject(text):
    """pyproject.toml without the grading package."""
    lines = [line for line in text.splitlines()
             if not line.strip().startswith((f"{GRADER} =", f'"{GRADER}.'))]
    text = "\n".join(lines).replace(f', "{GRADER}*"', "") + "\n"
    project = tomllib.loads(text)
    setuptools = project.get("tool", {}).get("setuptools", {})
    if GRADER in json.dumps(setuptools):
        raise ValueError(f"Expected pyproject.toml's packages without "
                         f"{GRADER}. Received: {setuptools}")
    return text


def kit_labs(root):
    """The labs/ files a student uses: those that do not reach grading."""
    return sorted(path for path in (root / "labs").iterdir()
                  if path.is_file() and GRADER not in path.read_text(
                      errors="replace"))


def _source_files(root, package):
    return [path for path in sorted((root / package).rglob("*"))
            if path.is_file() and not any(part in str(path)
                                          for part in SKIPPED)]


def write_student(root, student, config, runs):
    """The starter kit in `student`; returns ({part: solution lines},
    the files that hold the blanked parts)."""
    parts, blank = config["parts"], config["blank"]
    removed, found, code = {}, set(), []
    for package in KIT_PACKAGES:
        for path in _source_files(root, package):
            name = path.relative_to(root).as_posix()
            target = student / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix != ".py":
                shutil.copyfile(path, target)
                continue
            text = path.read_text()
            blocks = {block for block, *_ in markers.find_blocks(text, name)}
            found.update((block, name) for block in blocks)
            stripped, _ = markers.strip_solutions(text, parts, blank, name)
            for block in sorted(blocks & set(blank)):
                removed.setdefault(block, []).append(
                    _solution_lines(text, block, name))
            if blocks & set(blank):
                code.append(name)
            target.write_text(stripped)
    for part in blank:
        if (part, parts[part]["file"]) not in found:
            raise ValueError(f"Expected a # BEGIN SOLUTION {part} block in "
                             f"{parts[part]['file']}. Received: none there")
    for path in kit_labs(root):
        (student / "labs").mkdir(exist_ok=True)
        shutil.copyfile(path, student / "labs" / path.name)
    (student / "tests").mkdir()
    for name in config["tests"]:
        if not (root / "tests" / name).is_file():
            raise ValueError(f"Expected tests/{name} (the release config's "
                             "`tests`). Received: no such file")
        shutil.copyfile(root / "tests" / name, student / "tests" / name)
    for name in KIT_FILES:
        shutil.copyfile(root / name, student / name)
    (student / "pyproject.toml").write_text(
        kit_pyproject((root / "pyproject.toml").read_text()))
    kit = {"parts": [parts[name] for name in blank], "runs": runs,
           "code": code}
    kit_file = student / KIT_FILE.relative_to(root)
    kit_file.write_text(json.dumps(kit, indent=2) + "\n")
    (student / "README.md").write_text(student_readme(kit))
    return removed, code


def _solution_lines(text, part, where):
    lines = text.splitlines()
    return [line.strip() for name, _, first, end in
            markers.find_blocks(text, where) if name == part
            for line in lines[first + 1:end] if line.strip()]


def student_readme(kit):
    rows = "\n".join(f"| `{part['name']}` | `{part['file']}` | "
                     f"{part['task']} | {part['spec']} |"
                     for part in kit["parts"])
    return README_TEMPLATE.read_text().format(
        parts=rows, count=len(kit["parts"]), runs=", ".join(
            f"`{run}`" for run in kit["runs"]))


def _windows(lines):
    """Pairs of consecutive non-blank stripped lines, long enough."""
    lines = [line.strip() for line in lines if line.strip()]
    return {pair for pair in zip(lines, lines[1:])
            if len(pair[0]) + len(pair[1]) >= MIN_WINDOW_CHARS}


def _text_lines(path):
    text = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            text = "\n".join("".join(cell.get("source", []))
                             for cell in cells)
        except (ValueError, AttributeError):
            pass
    return text


def scan_kit(student, removed):
    """[problem, ...]: markers, solution text, the grader, in the kit."""
    solution = {pair: part for part, blocks in removed.items()
                for lines in blocks for pair in _windows(lines)}
    problems = []
    for path in sorted(Path(student).rglob("*")):
        name = path.relative_to(student).as_posix()
        if GRADER in path.relative_to(student).parts:
            problems.append(f"{name}: the grader's package")
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        text = _text_lines(path)
        if markers.MARKER_TEXT.search(text):
            problems.append(f"{name}: a solution or hidden-test marker")
        if GRADER_IMPORT.search(text):
            problems.append(f"{name}: imports grading")
        for pair in _windows(text.splitlines()) & set(solution):
            problems.append(f"{name}: solution text of part "
                            f"{solution[pair]} ({pair[0]!r})")
    return problems


def write_autograder_rubric(path, rubric_path, config):
    """The rubric (the course's, else this lab's) with hidden tests of the
    blanked parts, validated, at `path`; returns `path`."""
    rubric = json.loads(Path(rubric_path or DEFAULT_RUBRIC).read_text())
    rubric["hidden_tests"] = {**config["hidden_tests"],
                              "parts": config["blank"]}
    validate_rubric(rubric, source=str(path))
    path.write_text(json.dumps(rubric, indent=2) + "\n")
    return path


def release(out, config_path=None, rubric_path=None, dataset="cifar10",
            data_dir=None, memory_mb=DEFAULT_MEMORY_MB):
    """Write OUT/student/ and OUT/autograder/; returns a summary dict."""
    out = check_out(out)
    config = markers.load_config(config_path)
    unchecked = sorted(set(config["parts"]) - set(CHECKS))
    if unchecked:
        raise ValueError(f"Expected a public check (nin.assignment."
                         f"public_checks.CHECKS) for each part. Received: "
                         f"none for {unchecked}")
    rubric = load_rubric(rubric_path)
    root = source_root()
    created = not out.exists()
    student, autograder = out / "student", out / "autograder"
    try:
        student.mkdir(parents=True)
        removed, code = write_student(root, student, config, rubric["runs"])
        problems = scan_kit(student, removed)
        if problems:
            raise ValueError("Expected a starter kit without solutions or "
                             "the grader. Received: " + "; ".join(problems))
        autograder.mkdir()
        graded_by = write_autograder_rubric(autograder / "rubric.json",
                                            rubric_path, config)
        settings = write_bundle(autograder / "autograder.zip", graded_by,
                                dataset, data_dir, DEFAULT_TIMEOUT_S,
                                memory_mb, "auto")
        shutil.copyfile(config_path or markers.DEFAULT_CONFIG,
                        autograder / "release.json")
    except BaseException:
        for folder in (student, autograder):
            shutil.rmtree(folder, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    return {"student": student, "autograder": autograder / "autograder.zip",
            "blanked": config["blank"], "code": code, "runs": rubric["runs"],
            "dataset": settings["dataset"]}
