"""Solution blocks in the toolkit's source, and the release config.

A solution block (otter-grader's and nbgrader's spelling, with the part's
name added) is

    # BEGIN SOLUTION <part>
    ...the instructor's code...
    # END SOLUTION

Both markers are comments, so the full source runs unchanged. Blanking a
block replaces it, at the BEGIN line's indentation, by

    raise NotImplementedError("Part <part> (spec section <S>): write <task>")

release.json (next to this file) names each part's file, spec section and
task, which parts a release blanks (`blank`; the default: all of them) and
which of tests/ the starter kit ships (`tests`, see grading/assignment/
release.py) and the points, visibility and time limit of the hidden
tests of the blanked parts (`hidden_tests`; grading/rubric.md).
"""

import json
import re
from pathlib import Path

DEFAULT_CONFIG = Path(__file__).with_name("release.json")
BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?: (?P<name>\w+))?\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
# Any trace of a marker, for the release's self-scan.
MARKER_TEXT = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS")
PART_KEYS = ("name", "file", "spec", "task")


def load_config(path=None):
    """The validated release config: {"parts": {name: part}, "blank": [...]}."""
    path = Path(path or DEFAULT_CONFIG)
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"Expected a readable JSON release config. "
                         f"Received: {path} ({error})") from None
    parts = {}
    for part in config.get("parts", []):
        if not isinstance(part, dict) or set(PART_KEYS) - set(part):
            raise ValueError(f"Expected each part to have {PART_KEYS}. "
                             f"Received: {part!r} in {path}")
        parts[part["name"]] = part
    blank = config.get("blank", list(parts))
    unknown = [name for name in blank if name not in parts]
    if not isinstance(blank, list) or unknown:
        raise ValueError(f"Expected `blank` to list parts among "
                         f"{sorted(parts)}. Received: {blank!r} in {path}")
    tests = config.get("tests", [])
    if not isinstance(tests, list) or not all(
            isinstance(name, str) and name.endswith(".py") and "/" not in name
            for name in tests):
        raise ValueError(f"Expected `tests` to list file names in tests/. "
                         f"Received: {tests!r} in {path}")
    hidden = config.get("hidden_tests", {})
    if not isinstance(hidden, dict) or "parts" in hidden:
        raise ValueError(f"Expected `hidden_tests` to be an object of "
                         f"points, visibility and timeout_s (the parts are "
                         f"`blank`). Received: {hidden!r} in {path}")
    return {"parts": parts, "blank": list(blank), "tests": list(tests),
            "hidden_tests": hidden}


def find_blocks(text, where="<text>"):
    """[(name, indent, first line, last line)] of the solution blocks
    (0-based line numbers of the BEGIN and END markers)."""
    blocks, open_block = [], None
    for number, line in enumerate(text.splitlines()):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_block:
                raise ValueError(f"Expected # END SOLUTION before line "
                                 f"{number + 1} of {where}. Received: a "
                                 "nested # BEGIN SOLUTION")
            open_block = (begin["name"], begin["indent"], number)
        elif end:
            if not open_block:
                raise ValueError(f"Expected # BEGIN SOLUTION before line "
                                 f"{number + 1} of {where}. Received: a "
                                 "lone # END SOLUTION")
            blocks.append((*open_block, number))
            open_block = None
    if open_block:
        raise ValueError(f"Expected # END SOLUTION after line "
                         f"{open_block[2] + 1} of {where}. Received: none")
    return blocks


def stub_line(part, indent):
    message = (f"Part {part['name']} (spec section {part['spec']!r}): "
               f"write {part['task']}")
    return f"{indent}raise NotImplementedError({message!r})"


def strip_solutions(text, parts, blank, where="<text>"):
    """(the text with blanked blocks stubbed and the other blocks' markers
    removed, [the solution lines taken out])."""
    lines = text.splitlines()
    out, removed, last = [], [], 0
    for name, indent, first, end in find_blocks(text, where):
        if name not in parts:
            raise ValueError(f"Expected a part among {sorted(parts)} at line "
                             f"{first + 1} of {where}. Received: {name!r}")
        out.extend(lines[last:first])
        body = lines[first + 1:end]
        if name in blank:
            out.append(stub_line(parts[name], indent))
            removed.extend(line for line in body if line.strip())
        else:
            out.extend(body)
        last = end + 1
    out.extend(lines[last:])
    return "\n".join(out) + ("\n" if text.endswith("\n") else ""), removed
