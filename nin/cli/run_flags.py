"""The training flags of the command lines, made from `RunConfig`'s
fields: each field that declares a flag (`nin.training.config.option`)
becomes one argument with its default, help, choices and check, so the
command line and the configuration cannot drift apart.

    parser = argparse.ArgumentParser()
    add_run_flags(parser)                  # every training flag
    config = run_config(parser.parse_args())
    run_argv(config)                       # the flags that rebuild it

A boolean field becomes `--x/--no-x`; a checked field parses its text
with the check (`nin.validation`), so a bad value is one line naming what
was expected and exit code 2.
"""

import argparse
import dataclasses

from nin.training.config import RunConfig
from nin.validation import BOOLEAN


def flag_fields(only=None):
    """RunConfig's fields that have a flag (those in `only`, if given)."""
    return [field for field in dataclasses.fields(RunConfig)
            if field.metadata["flag"]
            and (only is None or field.name in only)]


def _choices(field):
    choices = field.metadata["choices"]
    return list(choices() if callable(choices) else choices)


def add_run_flags(parser, only=None, defaults=None):
    """Add the flags of RunConfig's fields (or of those in `only`) to
    `parser`; `defaults` replaces some fields' defaults (the bench
    measures ELU+BN+WI unless told otherwise)."""
    defaults = defaults or {}
    beyond = None
    for field in flag_fields(only):
        meta = field.metadata
        target = parser
        if meta["beyond"]:
            beyond = beyond or parser.add_argument_group("beyond Lab 4")
            target = beyond
        settings = {"dest": field.name, "help": meta["help"],
                    "default": defaults.get(field.name, field.default),
                    **meta["argparse"]}
        if meta["check"] is BOOLEAN:
            settings["action"] = argparse.BooleanOptionalAction
        elif meta["check"] is not None:
            settings["type"] = meta["check"].argument
        if meta["choices"] is not None:
            settings["choices"] = _choices(field)
        target.add_argument(meta["flag"], **settings)
    return parser


def run_config(args, **changes):
    """The RunConfig of parsed flags (and `changes`)."""
    settings = {field.name: getattr(args, field.name)
                for field in flag_fields() if hasattr(args, field.name)}
    return RunConfig(**{**settings, **changes})


def run_argv(config):
    """The flags that make lab4.py train `config`: each setting that
    differs from its default (a setting without a flag must keep it)."""
    fixed = [field.name for field in dataclasses.fields(RunConfig)
             if not field.metadata["flag"]
             and getattr(config, field.name) != field.default]
    if fixed:
        raise ValueError(f"lab4.py has no flag for {', '.join(fixed)}; a "
                         "run with other values is trained in-process")
    argv = []
    for field in flag_fields():
        value, flag = getattr(config, field.name), field.metadata["flag"]
        if value == field.default:
            continue
        if field.metadata["check"] is BOOLEAN:
            argv.append(flag if value else f"--no-{flag[2:]}")
        elif isinstance(value, tuple):
            argv += [flag, ",".join(map(str, value))]
        else:
            argv += [flag, str(value)]
    return argv
