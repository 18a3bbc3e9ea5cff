"""A job: one training run to launch as its own `lab4.py` process.

A job is its name, its run folder and the lab4.py flags that train it;
`settings` are the config.json values a finished run in that folder must
hold to count as this run (a run finished with 2 epochs where 164 are
asked is another run). A finished run is never started again.
"""

import dataclasses
import json
import shlex
import sys
from pathlib import Path

from nin.cli.exit_codes import EXIT_BAD_INPUT, EXIT_DIVERGED
from nin.training.run_folder import read_config

# What a finished run must match to count as the asked run (config.json).
SETTINGS = ("model", "dataset", "epochs", "batch_size", "lr", "lr_drops",
            "lr_factor", "momentum", "nesterov", "width", "model_options",
            "augment", "seed")


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    run_dir: Path
    argv: tuple  # lab4.py flags
    settings: dict

    @classmethod
    def for_config(cls, config, argv, name=None):
        """The job training `config` with lab4.py flags `argv`."""
        settings = json.loads(json.dumps({  # as config.json holds them
            key: value for key, value in config.to_json().items()
            if key in SETTINGS}))
        return cls(name or config.run_name,
                   Path(config.logdir) / config.run_name, tuple(argv),
                   settings)

    def command(self):
        """The child process: lab4.py's main from the installed package."""
        return [sys.executable, "-m", "nin.cli.lab4", *self.argv]

    def shown_command(self):
        """The command as a user types it from the repository root."""
        return shlex.join(["python", "labs/lab4.py", *self.argv])

    def other_settings(self):
        """'key A (asked B)' for each setting the run in the folder
        differs in."""
        found = read_config(self.run_dir) or {}
        return [f"{key} {found.get(key)!r} (asked {value!r})"
                for key, value in self.settings.items()
                if found.get(key) != value]


def status_of(exit_code, results):
    """What a lab4.py process ending with `exit_code` did."""
    if exit_code == 0:
        return "done" if results else "failed (exit 0, no results.json)"
    if exit_code == EXIT_DIVERGED:
        return "diverged"
    if exit_code == EXIT_BAD_INPUT:
        return "failed (exit 2: bad input)"
    if exit_code < 0:
        return f"failed (signal {-exit_code})"
    return f"failed (exit {exit_code})"
