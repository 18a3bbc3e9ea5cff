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


def _float_in(low, high, expected, low_open=False):
    """A parser of floats in [low, high), or (low, high) if `low_open`;
    NaN is always refused."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        above_low = value > low if low_open else value >= low
        if not (above_low and value < high):
            raise argparse.ArgumentTypeError(
                f"expected {expected}, got {text!r}")
        return value

    return parse


positive_float = _float_in(0, math.inf, "a positive number", low_open=True)
non_negative_float = _float_in(0, math.inf, "a number >= 0")
fraction = _float_in(0, 1, "a number in [0, 1)")


def epoch_list(text):
    try:
        drops = tuple(int(part) for part in text.split(","))
    except ValueError:
        drops = ()
    if not drops or any(d < 1 for d in drops) or list(drops) != sorted(drops):
        raise argparse.ArgumentTypeError(
            f"expected increasing epochs like 81,122, got {text!r}")
    return drops
