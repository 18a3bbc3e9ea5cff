"""The package layout's rules, read from every module's imports (`ast`).

- no import cycles between the toolkit's modules (imports inside
  functions count: a lazy import is still a dependency);
- `callbacks` imports nothing from `nin` or `grading`; `nin` nothing from
  `grading`;
- `nin.layers` and `nin.models` import no training, report, study,
  evaluation, launch, bench or command-line code;
- grading/'s rooms (inputs, models, sandbox, copies, checks, report)
  import neither the class loop, its command line nor the platforms, and
  nothing but `grading.bench` itself imports the benchmarks;
- nothing imports `labs/` or `tests/`; each `labs/X.py` only calls one
  command line's `main` (`nin.cli.X`, or the grader's: `GRADER_SCRIPTS`);
- code is found one way, the installed package: no `sys.path` edits and
  no `PYTHONPATH` anywhere in the repository but this file and
  test_release.py (which runs a released starter kit, not installed).

The checks are functions of a folder, so the last tests plant a cycle
and a forbidden import in a scratch tree and see them reported.
"""

import ast
import importlib.metadata
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("nin", "callbacks", "grading")
FORBIDDEN = [  # (importer prefix, imported prefix)
    ("callbacks", "nin"), ("callbacks", "grading"), ("nin", "grading"),
    *[(low, high) for low in ("nin.layers", "nin.models")
      for high in ("nin.training", "nin.report", "nin.study",
                   "nin.evaluation", "nin.launch", "nin.bench",
                   "nin.cli")],
    # the kit's checks and submission are a library of nin.cli.check and
    # nin.cli.submit, not the other way round.
    ("nin.assignment", "nin.cli"),
    # grading/'s rooms along its flow: what reads a hand-in, a model, a
    # copy or runs the sandbox never imports the class loop, the command
    # line or the platforms built on them; nothing imports the benchmarks.
    *[(low, high)
      for low in ("grading.inputs", "grading.models", "grading.sandbox",
                  "grading.copies", "grading.checks", "grading.report")
      for high in ("grading.grader", "grading.cli", "grading.platforms")],
    *[(low, "grading.bench")
      for low in ("nin", "callbacks", "grading.inputs", "grading.models",
                  "grading.sandbox", "grading.copies", "grading.checks",
                  "grading.report", "grading.platforms", "grading.grader",
                  "grading.cli", "grading.rubric")],
]


# The labs/ scripts whose command line lives in grading/, not nin/cli/.
GRADER_SCRIPTS = {"grade": "grading.cli", "bench_grading": "grading.bench.cli",
                  "release": "grading.assignment.cli"}


def module_name(root, path):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(tree, module, is_package):
    """Every module name `tree` imports, as written (relative imports
    resolved), with `from X import y` also giving `X.y`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (1 if is_package
                                                       else 0)]
                source = ".".join(base + ([node.module] if node.module
                                          else []))
            else:
                source = node.module
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def import_graph(root, packages=PACKAGES):
    """{module: set of the packages' modules it imports} under `root`."""
    files = {module_name(root, path): path
             for package in packages
             for path in sorted((root / package).rglob("*.py"))}
    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        names = imported_names(tree, module, path.name == "__init__.py")
        graph[module] = {name for name in names
                         if name in files and name != module}
    return graph


def find_cycle(graph):
    """One import cycle as [a, b, ..., a], or None."""
    state = {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target, path + [target])
                if cycle:
                    return cycle
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module, [module])
            if cycle:
                return cycle
    return None


def _within(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def forbidden_imports(graph, rules=FORBIDDEN):
    """['importer -> imported', ...] for every import a rule forbids."""
    return sorted(f"{module} -> {target}"
                  for module, targets in graph.items()
                  for target in targets for low, high in rules
                  if _within(module, low) and _within(target, high))


def test_the_toolkit_has_no_import_cycle():
    assert find_cycle(import_graph(REPO)) is None


def test_lower_layers_never_import_higher_ones():
    assert forbidden_imports(import_graph(REPO)) == []


def test_nothing_imports_labs_or_tests():
    scripts = {path.stem for path in (REPO / "labs").glob("*.py")}
    offenders = []
    for folder in ("nin", "callbacks", "grading", "labs", "tests"):
        for path in (REPO / folder).rglob("*.py"):
            module = module_name(REPO, path)
            names = imported_names(ast.parse(path.read_text()), module,
                                   path.name == "__init__.py")
            tops = {name.split(".")[0] for name in names}
            bad = tops & ({"labs", "tests", "conftest"} | scripts)
            if bad:
                offenders.append(f"{path.relative_to(REPO)}: {sorted(bad)}")
    assert offenders == []


@pytest.mark.parametrize("script", sorted(
    path.name for path in (REPO / "labs").glob("*.py")))
def test_each_lab_script_only_calls_a_command_line(script):
    path = REPO / "labs" / script
    tree = ast.parse(path.read_text())
    imports = imported_names(tree, f"labs.{path.stem}", False)
    expected = GRADER_SCRIPTS.get(path.stem, f"nin.cli.{path.stem}")
    assert imports == {"sys", expected, f"{expected}.main"}
    assert ast.get_docstring(tree)  # says what it runs and how
    assert len(path.read_text().splitlines()) <= 20


def test_code_is_found_only_as_the_installed_package():
    result = subprocess.run(
        ["git", "grep", "-n", "-e", "sys.path", "-e", "PYTHONPATH"],
        cwd=REPO, capture_output=True, text=True)
    hits = [line for line in result.stdout.splitlines()
            if not line.startswith(("tests/test_layout.py:",
                                    "tests/test_release.py:"))]
    assert hits == []
    import callbacks
    import grading
    import nin

    assert importlib.metadata.version("nin-lab4")  # pip install -e .
    for package in (nin, callbacks, grading):
        assert Path(package.__file__).resolve().parent.parent == REPO


def plant(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_planted_cycle_is_found(tmp_path):
    plant(tmp_path, {
        "nin/__init__.py": "",
        "nin/report/__init__.py": "",
        "nin/report/figures.py": "from nin.report import tables\n",
        "nin/report/tables.py":
            "def draw():\n    from nin.report.figures import plot\n",
        "callbacks/__init__.py": "", "grading/__init__.py": "",
    })
    assert find_cycle(import_graph(tmp_path)) == [
        "nin.report.figures", "nin.report.tables", "nin.report.figures"]


def test_a_planted_forbidden_import_is_found(tmp_path):
    plant(tmp_path, {
        "nin/__init__.py": "", "nin/layers/__init__.py": "",
        "nin/layers/maxout.py": "from ..training import loop\n",
        "nin/training/__init__.py": "", "nin/training/loop.py": "",
        "callbacks/__init__.py": "import nin.layers.maxout\n",
        "grading/__init__.py": "",
    })
    assert forbidden_imports(import_graph(tmp_path)) == [
        "callbacks -> nin.layers.maxout",
        "nin.layers.maxout -> nin.training",
        "nin.layers.maxout -> nin.training.loop",
    ]
    assert find_cycle(import_graph(tmp_path)) is None


def test_every_lab4_flag_is_documented():
    from nin.cli import lab4

    documented = (REPO / "README.md").read_text() + (
        REPO / "docs" / "beyond-lab4.md").read_text()
    flags = {option for action in lab4.make_parser()._actions
             for option in action.option_strings
             if option.startswith("--") and not option.startswith("--no-")
             and option != "--help"}
    assert sorted(flag for flag in flags
                  if f"`{flag}" not in documented) == []


def test_the_readme_is_short_and_links_every_page():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for page in sorted((REPO / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in readme, page.name


def _where_defined(module, name=None):
    """The module a test's `from module import name` (or `module.name`)
    reaches: a submodule, or the module that defines `name`."""
    import importlib
    import types

    try:
        found = importlib.import_module(module)
    except ImportError:
        return set()
    reached = {module}
    target = getattr(found, name, None) if name else None
    if isinstance(target, types.ModuleType):
        reached.add(target.__name__)
    elif getattr(target, "__module__", None):
        reached.add(target.__module__)
    return reached


def test_the_quick_tier_touches_every_package():
    """Each package of nin, callbacks and grading is imported (directly,
    or through a name it defines) by a test file that holds quick tests."""
    reached = set()
    for path in sorted((REPO / "tests").glob("test_*.py")):
        source = path.read_text()
        if "mark.quick" not in source:
            continue
        tree = ast.parse(source)
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    reached |= _where_defined(node.module, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    aliases[alias.asname or alias.name] = alias.name
                    reached |= _where_defined(alias.name)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in aliases):
                reached |= _where_defined(aliases[node.value.id], node.attr)
    packages = sorted(".".join(init.parent.relative_to(REPO).parts)
                      for root in PACKAGES
                      for init in (REPO / root).rglob("__init__.py"))
    untouched = [package for package in packages
                 if not any(_within(name, package) for name in reached)]
    assert untouched == [], f"no quick test imports {untouched}"
