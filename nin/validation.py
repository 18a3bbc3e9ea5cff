"""Checks of user input, one per kind of value, each saying what it
expected and what it received.

A `Check` is used twice, from one definition:

- on a value given in Python (a `RunConfig` field, a `build_model`
  argument, a rubric field): `POSITIVE_INT("epochs", 0)` raises
  `ValueError("epochs must be a positive integer. Received: epochs=0")`;
- as argparse's `type=` on a command line: `POSITIVE_INT.argument("-3")`
  raises `argparse.ArgumentTypeError("expected a positive integer, got
  '-3'")`, which argparse prints as one line with exit code 2.

`choice` does the same for a value from a fixed list. Nothing here
imports the rest of the toolkit.
"""

import argparse
import math


class Check:
    """One kind of value: what it is called, when a value is one, and how
    a command line spells it."""

    def __init__(self, expected, accepts, parse):
        self.expected = expected  # e.g. "a positive integer"
        self._accepts = accepts  # value -> bool
        self._parse = parse  # text -> value, ValueError if it is none

    def accepts(self, value):
        try:
            return bool(self._accepts(value))
        except (TypeError, ValueError):
            return False

    def __call__(self, name, value):
        """`value`, or a ValueError naming `name`, the kind and the value."""
        if not self.accepts(value):
            raise ValueError(f"{name} must be {self.expected}. "
                             f"Received: {name}={value!r}")
        return value

    def argument(self, text):
        """argparse `type=`: the value that `text` spells."""
        try:
            value = self._parse(text)
        except (TypeError, ValueError):
            value = None
        if value is None or not self.accepts(value):
            raise argparse.ArgumentTypeError(
                f"expected {self.expected}, got {text!r}")
        return value


def is_integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    """A finite int or float (bool is not a number here)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def integer(minimum, expected):
    return Check(expected, lambda v: is_integer(v) and v >= minimum, int)


def number(low, high, expected, low_open=False, high_open=True):
    """Numbers in the interval from `low` to `high` (open or closed)."""
    def accepts(value):
        if not is_number(value):
            return False
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        return above and below

    return Check(expected, accepts, float)


POSITIVE_INT = integer(1, "a positive integer")
NON_NEGATIVE_INT = integer(0, "an integer >= 0")
INT_AT_LEAST_TWO = integer(2, "an integer >= 2")
POSITIVE = number(0, math.inf, "a positive number", low_open=True)
NON_NEGATIVE = number(0, math.inf, "a number >= 0")
FRACTION = number(0, 1, "a number in [0, 1)")
OPEN_FRACTION = number(0, 1, "a number in (0, 1)", low_open=True)
BOOLEAN = Check("true or false", lambda v: isinstance(v, bool), None)
TEXT = Check("a string", lambda v: isinstance(v, str), str)


def choice(name, value, choices):
    """`value` if it is one of `choices`, else a ValueError listing them."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(
            f"{name} must be one of: {', '.join(map(str, choices))}. "
            f"Received: {name}={value!r}")
    return value


def names(text):
    """argparse `type=` for a comma-separated list of names: `a,b,c`."""
    parts = [part.strip() for part in text.split(",")]
    if not all(parts):
        raise argparse.ArgumentTypeError(
            f"expected names separated by commas, got {text!r}")
    return parts
