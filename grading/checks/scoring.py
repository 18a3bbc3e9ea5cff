"""Score one student: every run's facts through the rubric's checks.

For each required run and each rubric item that applies to it, the check
(`grading.checks.items`) turns the run's facts into credit, an explanation and
flags; the result is one Gradescope test per (run, item), with the item's
visibility. A run the worker never reached gets the worker's problem as
its explanation. The leaderboard gets the best re-measured accuracy, and
`extra_data.runs` a record per run (`grading.report.run_records`) with
the items its hand-in could not show. Where the rubric has hidden tests,
each part of the student's code is one more test
(`grading.assignment.hidden_tests`).
"""
from grading.checks import items as checks
from grading.report import results as report
from grading.report.run_records import run_record
from grading.rubric import ITEMS, applies


def score(rubric, all_facts, problem, isolated, hidden=None):
    """The student's results.json dict from the facts of each run (None
    for a run the worker did not reach), the worker's problem and the
    hidden tests' ({part: (credit, output)}, sandbox) where there are."""
    tests, flags, records = [], {}, {}
    for run, facts in zip(rubric["runs"], all_facts):
        required = rubric["required"][run]
        unchecked = []
        for item_name, item in rubric["items"].items():
            if not applies(item_name, required):
                continue
            if facts is None:
                credit, output, new = 0.0, problem or "not measured", []
            elif not facts["folders"] and item_name != "present":
                credit, output, new = 0.0, "run not submitted", []
            else:
                credit, output, new = checks.CHECKS[item_name](facts, item)
            for flag in new:
                flags.setdefault(flag, []).append(run)
            if checks.NOT_CHECKED in new:
                unchecked.append((item_name, output))
            tests.append(report.test(f"{run}: {ITEMS[item_name][0]}",
                                     credit, item["points"], output,
                                     item["visibility"]))
        records[run] = run_record(facts, unchecked)
    flags = [f"{flag} ({', '.join(dict.fromkeys(runs))})"
             for flag, runs in flags.items()]
    if not isolated:
        flags.append("worker ran without a network namespace")
    if hidden is not None:
        tests += hidden_tests(rubric["hidden_tests"], hidden[0])
        if hidden[1] == "process":
            flags.append("hidden tests ran without bubblewrap (no file "
                         "system isolation)")
    status = "graded" if problem is None else "incomplete"
    graded = report.result(rubric, tests, status, flags, problem,
                           best_accuracy(rubric, all_facts))
    graded["extra_data"]["runs"] = records
    if hidden is not None:
        graded["extra_data"]["hidden_tests"] = {
            "sandbox": hidden[1], "parts": {
                part: {"passed": credit >= 1, "output": output}
                for part, (credit, output) in hidden[0].items()}}
    return graded


def hidden_tests(section, results):
    """One Gradescope test per part of the rubric's hidden tests."""
    return [report.test(f"hidden test: {part}", results[part][0],
                        section["points"][part], results[part][1],
                        section["visibility"])
            for part in section["parts"]]


def best_accuracy(rubric, all_facts):
    """(accuracy, run) of the best re-measured run, or None."""
    measured = [(facts["remeasured"]["accuracy"], run)
                for run, facts in zip(rubric["runs"], all_facts)
                if facts and "remeasured" in facts]
    return max(measured) if measured else None
