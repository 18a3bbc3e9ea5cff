"""Argument types for the lab scripts: each rejects a bad value with a
message saying what was expected and what was received (argparse turns an
`ArgumentTypeError` into one line and exit code 2)."""

import argparse
import math


def _int_at_least(minimum, expected):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected {expected}, got {text!r}")
        return value

    return parse


positive_int = _int_at_least(1, "a positive integer")
non_negative_int = _int_at_least(0, "an integer >= 0")
maxout_pieces = _int_at_least(2, "an integer >= 2")


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(
            f"expected a positive number, got {text!r}")
    return value


def epoch_list(text):
    try:
        drops = tuple(int(part) for part in text.split(","))
    except ValueError:
        drops = ()
    if not drops or any(d < 1 for d in drops) or list(drops) != sorted(drops):
        raise argparse.ArgumentTypeError(
            f"expected increasing epochs like 81,122, got {text!r}")
    return drops
