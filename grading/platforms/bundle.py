"""Write a Gradescope autograder zip: `labs/grade.py --gradescope-bundle`.

Gradescope builds an image from the zip's `setup.sh` and runs its
`run_autograder` for every submission (gradescope/autograder_samples,
docs/specs.md). The zip holds, at its root:

    setup.sh, run_autograder   from grading/platforms/autograder/
    toolkit/                   this toolkit's source (pyproject.toml,
                               README.md, nin/, callbacks/, grading/)
    requirements.lock          its dependencies, pinned at the versions
                               installed where the bundle was made
    rubric.json                the rubric (validated by the caller)
    bundle.json                dataset, time and memory limits, precision
    data/                      the test set's files (CIFAR archive), if any

so submissions are graded on Gradescope by the same code, sandbox and
rubric as `labs/grade.py` grades them here.
"""

import importlib.metadata
import json
import re
import tomllib
import zipfile
from pathlib import Path

import grading
from grading.rubric import DEFAULT_RUBRIC

TEMPLATES = Path(__file__).with_name("autograder")
SCRIPTS = ("setup.sh", "run_autograder")
PACKAGES = ("nin", "callbacks", "grading")
PROJECT_FILES = ("pyproject.toml", "README.md")
SKIPPED = ("__pycache__", ".pyc", ".egg-info")
EXECUTABLE = 0o100755 << 16
REGULAR = 0o100644 << 16
# Gradescope's longest time limit is 40 minutes; leave 3 for start-up,
# extraction and the report.
GRADESCOPE_MAX_S = 40 * 60
DEFAULT_TIMEOUT_S = GRADESCOPE_MAX_S - 3 * 60
DEFAULT_MEMORY_MB = 8192  # the sandboxed worker's memory limit
REQUIREMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")
EXTRA_MARKER = re.compile(r"extra\s*==")


def source_root():
    """The checkout holding pyproject.toml next to the packages."""
    root = Path(grading.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file():
        raise ValueError("--gradescope-bundle needs the toolkit's source "
                         f"checkout (no pyproject.toml next to {root})")
    return root


def pinned_requirements(root):
    """`name==version` for the toolkit's dependencies and theirs, as
    installed here (requirements marked for an extra are left out)."""
    project = tomllib.loads((root / "pyproject.toml").read_text())
    todo = list(project["project"]["dependencies"])
    pins = {}
    while todo:
        requirement = todo.pop()
        if EXTRA_MARKER.search(requirement):
            continue
        name = REQUIREMENT_NAME.match(requirement.strip())[0].lower()
        if name in pins:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # a platform-only dependency not needed here
        pins[name] = distribution.version
        todo.extend(distribution.requires or [])
    return "".join(f"{name}=={pins[name]}\n" for name in sorted(pins))


def _add(archive, name, data, mode=REGULAR):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = mode
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _add_tree(archive, folder, prefix):
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not any(part in str(path) for part in SKIPPED):
            _add(archive, f"{prefix}/{path.relative_to(folder).as_posix()}",
                 path.read_bytes())


def data_files(dataset, data_dir):
    """{name in data/: path} of the files the worker needs."""
    from nin.data.cifar import LAYOUTS

    if data_dir is None:
        return {}
    data_dir = Path(data_dir)
    if dataset in LAYOUTS:
        archive, folder = LAYOUTS[dataset][:2]
        if (data_dir / archive).is_file():
            return {archive: data_dir / archive}
        return {f"{folder}/{path.relative_to(data_dir / folder)}": path
                for path in sorted((data_dir / folder).rglob("*"))
                if path.is_file()}
    return {str(path.relative_to(data_dir)): path
            for path in sorted(data_dir.rglob("*")) if path.is_file()}


def write_bundle(path, rubric_path, dataset, data_dir, timeout_s,
                 memory_mb, precision):
    """Write the autograder zip at `path` (which must not exist)."""
    path = Path(path)
    if path.exists():
        raise ValueError(f"--gradescope-bundle {path} exists; remove it or "
                         "choose another name (it is never overwritten)")
    if timeout_s > GRADESCOPE_MAX_S - 60:
        raise ValueError(
            f"--timeout must leave a minute of Gradescope's "
            f"{GRADESCOPE_MAX_S} s maximum. Received: --timeout "
            f"{timeout_s:g}")
    root = source_root()
    files = data_files(dataset, data_dir)
    settings = {"dataset": dataset, "data_dir": "data" if files else None,
                "rubric": "rubric.json", "timeout_s": timeout_s,
                "memory_mb": memory_mb, "precision": precision}
    rubric_text = Path(rubric_path or DEFAULT_RUBRIC).read_text()
    temporary = path.with_name(f".partial-{path.name}")
    with zipfile.ZipFile(temporary, "w") as archive:
        for script in SCRIPTS:
            _add(archive, script, (TEMPLATES / script).read_bytes(),
                 EXECUTABLE)
        for name in PROJECT_FILES:
            _add(archive, f"toolkit/{name}", (root / name).read_bytes())
        for package in PACKAGES:
            _add_tree(archive, root / package, f"toolkit/{package}")
        _add(archive, "requirements.lock", pinned_requirements(root))
        _add(archive, "rubric.json", rubric_text)
        _add(archive, "bundle.json", json.dumps(settings, indent=2) + "\n")
        for name, source in files.items():  # archives: stored as they are
            archive.write(source, f"data/{name}", zipfile.ZIP_STORED)
    temporary.replace(path)
    return settings
