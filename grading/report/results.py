"""Write what the TA and the student read: results.json, feedback.md, CSV.

Every file is written atomically (`callbacks.atomic`), so a grader
killed mid-class never leaves a half-written grade.

`results.json` follows the Gradescope autograder format: top-level
`score`, `output`, `execution_time`, `tests` (each with `name`, `score`,
`max_score`, `status` "passed"/"failed", `output` and the `visibility`
its rubric item asks for) and `leaderboard` (the best re-measured
accuracy); our grading status, flags, possible copies, the maximum
score, seconds and peak memory go in `extra_data`, which Gradescope keeps
but does not show. While any test is hidden from students the top-level
`output` does not give the score either. Text that came from a
student's files is stripped of control characters and shortened before
it reaches Markdown or CSV, and CSV cells that a spreadsheet would run as
a formula are quoted.
"""

import csv
import io
import json
import re

from callbacks.atomic import write_json_atomic, write_text_atomic
from grading.rubric import max_points

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_TEXT = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GRADEBOOK = "gradebook.csv"
COLUMNS = ("student", "score", "max_score", "percent", "status", "flags",
           "copies", "seconds", "peak_memory_mb")
VISIBLE = "visible"
LEADERBOARD_NAME = "Best re-measured test accuracy (%)"


def clean(text, limit=MAX_TEXT):
    text = CONTROL.sub("?", str(text))
    return text if len(text) <= limit else text[:limit] + " [...]"


def test(name, credit, points, output, visibility=VISIBLE):
    score = round(points * credit, 4)
    return {"name": clean(name, 200), "score": score, "max_score": points,
            "status": "passed" if credit >= 1 else "failed",
            "output": clean(output), "visibility": visibility}


def total_points(rubric):
    hidden = rubric.get("hidden_tests", {}).get("points", {})
    return sum(max_points(rubric, rubric["required"][run])
               for run in rubric["runs"]) + sum(hidden.values())


def result(rubric, tests, status, flags, problem=None, best=None):
    """The results.json dict; `best` is (accuracy, run) for the
    leaderboard, when the rubric wants one and a run was re-measured."""
    flags = list(dict.fromkeys(clean(flag, 200) for flag in flags))
    score = round(sum(entry["score"] for entry in tests), 4)
    maximum = total_points(rubric)
    if all(entry["visibility"] == VISIBLE for entry in tests):
        summary = f"{score:g} / {maximum:g} points ({status})"
    else:
        summary = (f"Grading {status}; some results are shown when "
                   "grades are published")
    if problem:
        summary += f". {clean(problem)}"
    graded = {"score": score, "output": summary, "tests": tests,
              "extra_data": {"max_score": maximum, "status": status,
                             "flags": flags, "copies": [],
                             "problem": clean(problem) if problem
                             else None}}
    if rubric["leaderboard"] and best is not None:
        graded["leaderboard"] = [
            {"name": LEADERBOARD_NAME, "value": round(100 * best[0], 2)}]
        graded["extra_data"]["best_run"] = best[1]
    return graded


def refused(rubric, reason):
    """A submission refused whole (unsafe or unreadable archive/folder)."""
    entry = test("submission accepted", 0.0, total_points(rubric),
                 f"submission refused: {reason}")
    return result(rubric, [entry], "refused", ["submission refused"],
                  f"submission refused: {reason}")


def failed(rubric, reason):
    entry = test("submission graded", 0.0, total_points(rubric), reason)
    return result(rubric, [entry], "error", ["grading error"], reason)


def write_student(folder, name, graded, rubric):
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / "results.json", graded)
    write_text_atomic(folder / "feedback.md", feedback(name, graded, rubric))


def feedback(name, graded, rubric):
    extra = graded["extra_data"]
    lines = [f"# {clean(rubric['title'], 200)}: feedback for {name}", "",
             f"**Score: {graded['score']:g} / {extra['max_score']:g}** "
             f"(grading status: {extra['status']})", ""]
    if extra["flags"]:
        lines += ["Flags: " + "; ".join(extra["flags"]), ""]
    if extra.get("problem"):
        lines += [f"Problem: {extra['problem']}", ""]
    if extra.get("copies"):
        lines += ["## Possible copies", "",
                  "Found by comparing the runs of the whole class. No "
                  "points were taken for this; the TA decides.", ""]
        lines += [f"- {clean(flag).replace(chr(10), ' ')}"
                  for flag in extra["copies"]]
        lines += [""]
    lines += _runs_table(extra.get("runs") or {})
    lines += ["| test | points | result |",
              "|---|---|---|"]
    lines += [f"| {entry['name'].replace('|', '/')} | {entry['score']:g} "
              f"/ {entry['max_score']:g} | {entry['status']} |"
              for entry in graded["tests"]]
    lines += ["", "## Details", ""]
    for entry in graded["tests"]:
        body = entry["output"].replace("```", "'''")
        lines += [f"### {entry['name']} ({entry['score']:g} / "
                  f"{entry['max_score']:g})", "", "```", body, "```", ""]
    return "\n".join(lines)


def _runs_table(runs):
    """Where each run was found, what read it, and what the TA checks."""
    if not runs:
        return []
    def shown(value):
        return "-" if value is None else clean(value, 120).replace(
            "|", "/").replace("\n", " ")
    lines = ["## Runs", "", "| run | found at | source | re-measured | "
             "inputs | detected | for the TA |", "|---|---|---|---|---|---|---|"]
    for run, record in runs.items():
        accuracy = record.get("remeasured_accuracy")
        measured = f"{100 * accuracy:.2f}%" if accuracy is not None else \
            f"no: {shown(record.get('remeasured_reason'))}"
        detected = ", ".join(f"{key} {shown(value)}" for key, value in
                             (record.get("detected") or {}).items())
        unchecked = ", ".join(entry["item"] for entry in
                              record.get("not_checked") or []) or "-"
        lines.append(f"| {shown(run)} | {shown(record.get('folder'))} | "
                     f"{shown(record.get('source'))} | {measured} | "
                     f"{shown(record.get('preprocessing'))} | {detected} "
                     f"| {unchecked} |")
    return lines + [""]


def read_result(folder):
    """A graded student's results.json with its `extra_data`, or None
    (not graded, or unreadable)."""
    try:
        graded = json.loads((folder / "results.json").read_text())
        if not isinstance(graded["extra_data"], dict):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return graded


def set_copy_flags(folder, name, flags, rubric):
    """Record the copy flags in a graded student's results.json and
    feedback.md (rewritten only when they changed)."""
    graded = read_result(folder)
    if graded is None:
        return
    extra = graded["extra_data"]
    flags = [clean(flag, 600) for flag in flags]
    if extra.get("copies") != flags:
        extra["copies"] = flags
        write_student(folder, name, graded, rubric)


def _cell(value):
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _blank(value):
    return "" if value is None else value


def write_gradebook(out, students):
    """OUT/gradebook.csv, one row per student, from their results.json."""
    rows = []
    for name in students:
        graded = read_result(out / name)
        try:
            extra = graded["extra_data"]
            maximum = extra["max_score"]
            row = [name, graded["score"], maximum,
                   round(100 * graded["score"] / maximum, 2) if maximum
                   else 0.0, extra["status"], "; ".join(extra["flags"]),
                   "; ".join(extra.get("copies", [])),
                   _blank(extra.get("seconds")),
                   _blank(extra.get("peak_memory_mb"))]
        except (KeyError, TypeError, ZeroDivisionError):
            row = [name, "", "", "", "not graded", "", "", "", ""]
        rows.append([_cell(value) for value in row])
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    write_text_atomic(out / GRADEBOOK, text.getvalue())
