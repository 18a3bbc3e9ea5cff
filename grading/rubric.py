"""The grading rubric: which runs, which items, how many points, what bands.

The rubric is a JSON file (`grading/rubric.json` is this lab's default;
`grading/rubric.md` documents every field). `load_rubric` validates it
completely before anything is graded, so a typo in a TA's rubric is one
clear `ValueError`, not a half-graded class.

The run names and the settings each run requires (activation, BN, He init)
come from our own run-name rule (`nin.training.config.run_name`), never
from a table copied here. Each item has a Gradescope `visibility`: the
structural checks are visible at once, the re-measured accuracy (and the
check that quotes it) only `after_published`, unless the rubric says
otherwise; `unverifiable_credit` (a fraction, default 0) is the credit
of an item that a student's own Keras hand-in cannot show (flagged for
the TA); `leaderboard` (default true) adds the best re-measured
accuracy to Gradescope's leaderboard. An optional `hidden_tests` section
(`check_hidden_tests`; the autograder of `labs/release.py` has one) runs
the parts of the student's code in a sandbox (grading.assignment.
hidden_tests), a test per part with its own points and visibility.
"""

import itertools
import json
from pathlib import Path

from grading.assignment.markers import load_config
from nin.layers.activations import list_activations
from nin.training.config import run_name
from nin.validation import BOOLEAN, is_number

DEFAULT_RUBRIC = Path(__file__).with_name("rubric.json")
# Gradescope's test visibility (docs/specs.md of gradescope's samples).
VISIBILITIES = ("visible", "after_published", "after_due_date", "hidden")
HIDDEN_UNTIL_PUBLISHED = "after_published"
HIDDEN_TEST_DEFAULTS = {"points": 1.0, "visibility": HIDDEN_UNTIL_PUBLISHED,
                        "timeout_s": 60}

# item -> (title shown to students, extra fields it requires, default
# visibility)
ITEMS = {
    "present": ("run present", (), "visible"),
    "architecture": ("architecture matches the config", (), "visible"),
    "maxout": ("Maxout is a max over k pieces", ("tolerance",), "visible"),
    "he_init": ("weight initialization as claimed", ("std_tolerance",),
                "visible"),
    "schedule": ("step learning-rate schedule",
                 ("base_lr", "drops", "reference_epochs", "factor"),
                 "visible"),
    "curves": ("train and test curves for every epoch", (), "visible"),
    "accuracy": ("final test accuracy (re-measured)", ("bands",),
                 HIDDEN_UNTIL_PUBLISHED),
    "reproduced": ("logged accuracy reproduced", ("tolerance",),
                   HIDDEN_UNTIL_PUBLISHED),  # it quotes the accuracy
}


def lab_runs():
    """{run name: required settings} for every NIN run our code can name."""
    return {run_name(activation, batch_norm, he_init): {
                "activation": activation, "batch_norm": batch_norm,
                "he_init": he_init}
            for activation, batch_norm, he_init in itertools.product(
                list_activations(), (False, True), (False, True))}


def load_rubric(path=None):
    """The validated rubric dict from `path` (default: this lab's)."""
    path = Path(path) if path is not None else DEFAULT_RUBRIC
    try:
        rubric = json.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"Cannot read rubric {path}: {error.strerror}")
    except json.JSONDecodeError as error:
        raise ValueError(f"Rubric {path} is not valid JSON: {error}")
    return validate_rubric(rubric, source=str(path))


def validate_rubric(rubric, source="rubric"):
    if not isinstance(rubric, dict):
        raise ValueError(f"{source}: expected a JSON object at the top.")
    known_runs = lab_runs()
    runs = rubric.get("runs")
    if not isinstance(runs, list) or not runs or len(set(runs)) != len(
            runs) or not all(isinstance(name, str) for name in runs):
        raise ValueError(
            f"{source}: 'runs' must be a non-empty list of distinct run "
            f"names. Received: {runs!r}")
    unknown = [name for name in runs if name not in known_runs]
    if unknown:
        raise ValueError(
            f"{source}: unknown run name(s) {unknown}. Expected names like "
            f"{', '.join(sorted(known_runs)[:6])}, ...")
    items = rubric.get("items")
    if not isinstance(items, dict) or not items:
        raise ValueError(f"{source}: 'items' must be a non-empty object.")
    for name, item in items.items():
        _check_item(source, name, item)
    items = {name: {"visibility": ITEMS[name][2], **item}
             for name, item in items.items()}
    title = rubric.get("title", "Lab 4")
    leaderboard = rubric.get("leaderboard", True)
    if not BOOLEAN.accepts(leaderboard):
        raise ValueError(f"{source}: 'leaderboard' must be true or false. "
                         f"Received: {leaderboard!r}")
    checked = {"title": str(title), "runs": list(runs),
               "required": {name: known_runs[name] for name in runs},
               "items": items, "leaderboard": leaderboard}
    if "hidden_tests" in rubric:
        checked["hidden_tests"] = check_hidden_tests(rubric["hidden_tests"],
                                                     source)
    return checked


def check_hidden_tests(section, source="rubric"):
    """The `hidden_tests` section, validated, defaults filled in and
    `points` made {part: points}."""
    where = f"{source}: 'hidden_tests'"
    if not isinstance(section, dict):
        raise ValueError(f"{where} must be an object. Received: "
                         f"{section!r}")
    unknown = set(section) - {"parts", *HIDDEN_TEST_DEFAULTS}
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}. "
                         "Expected some of: parts, "
                         f"{', '.join(HIDDEN_TEST_DEFAULTS)}")
    section = {**HIDDEN_TEST_DEFAULTS, **section}
    known, parts = list(load_config()["parts"]), section.get("parts")
    if not isinstance(parts, list) or not parts or len(set(parts)) != len(
            parts) or not set(parts) <= set(known):
        raise ValueError(f"{where}: 'parts' must list distinct parts among "
                         f"{', '.join(known)}. Received: {parts!r}")
    points = section["points"]
    per_part = points if isinstance(points, dict) else {
        part: points for part in parts}
    if set(per_part) != set(parts) or not all(
            is_number(value) and value >= 0 for value in per_part.values()):
        raise ValueError(f"{where}: 'points' must be a number >= 0 or "
                         "{part: points} for every part. Received: "
                         f"{points!r}")
    if section["visibility"] not in VISIBILITIES:
        raise ValueError(f"{where}: 'visibility' must be one of "
                         f"{', '.join(VISIBILITIES)}. Received: "
                         f"{section['visibility']!r}")
    if not (is_number(section["timeout_s"]) and section["timeout_s"] > 0):
        raise ValueError(f"{where}: 'timeout_s' (per part) must be a "
                         f"number > 0. Received: {section['timeout_s']!r}")
    return {**section, "parts": list(parts),
            "points": {part: float(per_part[part]) for part in parts}}


def _check_item(source, name, item):
    if name not in ITEMS:
        raise ValueError(
            f"{source}: unknown item {name!r}. Expected some of: "
            f"{', '.join(ITEMS)}")
    where = f"{source}: item {name!r}"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be an object.")
    if not is_number(item.get("points")) or item["points"] < 0:
        raise ValueError(f"{where}: 'points' must be a number >= 0. "
                         f"Received: {item.get('points')!r}")
    missing = [field for field in ITEMS[name][1] if field not in item]
    if missing:
        raise ValueError(f"{where} needs field(s) {missing}.")
    if item.get("visibility", VISIBILITIES[0]) not in VISIBILITIES:
        raise ValueError(f"{where}: 'visibility' must be one of "
                         f"{', '.join(VISIBILITIES)}. Received: "
                         f"{item['visibility']!r}")
    credit = item.get("unverifiable_credit", 0.0)
    if not (is_number(credit) and 0 <= credit <= 1):
        raise ValueError(f"{where}: 'unverifiable_credit' must be a "
                         f"fraction in [0, 1]. Received: {credit!r}")
    for field in ("tolerance", "std_tolerance", "base_lr", "factor"):
        if field in item and not (is_number(item[field]) and item[field] >= 0):
            raise ValueError(f"{where}: {field!r} must be a number >= 0. "
                             f"Received: {item[field]!r}")
    if name == "schedule":
        drops, epochs = item["drops"], item["reference_epochs"]
        if not (isinstance(epochs, int) and epochs > 0 and isinstance(
                drops, list) and all(isinstance(d, int) and 0 < d
                                     for d in drops)
                and drops == sorted(drops)):
            raise ValueError(
                f"{where}: 'drops' must be increasing positive epochs and "
                "'reference_epochs' a positive integer.")
    if name == "accuracy":
        _check_bands(where, item["bands"])


def _check_bands(where, bands):
    ok = isinstance(bands, list) and bands and all(
        isinstance(band, dict) and is_number(band.get("min"))
        and is_number(band.get("credit")) and 0 <= band["credit"] <= 1
        for band in bands)
    if not ok:
        raise ValueError(
            f"{where}: 'bands' must be a list of {{\"min\": accuracy, "
            "\"credit\": fraction in [0, 1]}} objects.")
    minimums = [band["min"] for band in bands]
    if minimums != sorted(minimums, reverse=True) or minimums[-1] > 0:
        raise ValueError(
            f"{where}: band minimums must decrease and the last must be 0 "
            f"(every accuracy falls in a band). Received: {minimums}")


def band_credit(bands, accuracy):
    """The credit fraction of the first band whose minimum `accuracy` meets."""
    for band in bands:
        if accuracy >= band["min"]:
            return float(band["credit"])
    return 0.0


def max_points(rubric, required):
    """Points available for one run with `required` settings."""
    return sum(item["points"] for name, item in rubric["items"].items()
               if applies(name, required))


def applies(item_name, required):
    """Maxout's numeric check applies to Maxout runs only."""
    return item_name != "maxout" or required["activation"] == "maxout"
