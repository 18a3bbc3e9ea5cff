"""The overall progress of several runs, read from their folders.

Each run's completed epochs come from its checkpoint (`run_folder.
epochs_done`), so the bar counts what is saved, whoever trains it. The
ETA divides the epochs left by the rate of the epochs completed since
this process started. On a terminal the bar is one line redrawn in
place; elsewhere (a log file, CI) it is printed as a line now and then.
"""

import sys
import time

from nin.report.table import format_duration as format_seconds
from nin.training.run_folder import epochs_done

BAR_WIDTH = 24
QUIET_SECONDS = 30  # between progress lines when not on a terminal

__all__ = ["Progress", "format_seconds"]


class Progress:
    def __init__(self, jobs, stream=None):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.epochs = {job.run_dir: job.settings.get("epochs", 0)
                       for job in jobs}
        self.started = time.monotonic()
        self.done_at_start = self.done()
        self.shown = False
        self.last_print = 0.0

    @property
    def planned(self):
        return sum(self.epochs.values())

    def done(self):
        return sum(min(epochs_done(run_dir), epochs)
                   for run_dir, epochs in self.epochs.items())

    def settle(self, job):
        """A run that ended short of its epochs (diverged, stopped early,
        failed) plans no more: the bar still reaches 100%."""
        self.epochs[job.run_dir] = min(epochs_done(job.run_dir),
                                       self.epochs[job.run_dir])

    def line(self):
        done = self.done()
        share = done / self.planned if self.planned else 1.0
        filled = round(BAR_WIDTH * share)
        text = (f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/"
                f"{self.planned} epochs ({100 * share:.0f}%)")
        elapsed = time.monotonic() - self.started
        new = done - self.done_at_start
        if 0 < new and done < self.planned:
            left = (self.planned - done) * elapsed / new
            text += f", ETA {format_seconds(left)}"
        return text + f", {format_seconds(elapsed)} so far"

    def _clear(self):
        if self.tty and self.shown:
            self.stream.write("\r\x1b[K")
            self.shown = False

    def say(self, message):
        """One event line, above the bar."""
        self._clear()
        self.stream.write(message + "\n")
        self.stream.flush()

    def show(self):
        now = time.monotonic()
        if self.tty:
            self._clear()
            self.stream.write(self.line())
            self.shown = True
        elif now - self.last_print >= QUIET_SECONDS:
            self.stream.write(self.line() + "\n")
            self.last_print = now
        self.stream.flush()

    def finish(self):
        self._clear()
        self.stream.write(self.line() + "\n")
        self.stream.flush()
