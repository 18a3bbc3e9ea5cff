"""Progress over a class: one line per graded student, with an ETA.

A class of 100 full-size submissions takes hours, so after each student
the grader prints how far it is, how long that student took and when the
class should be done:

    [  3/100] ###.......  alice: 98 / 102 (graded) in 2m31s;
        elapsed 7m40s, ETA 4h08m

(one line on the terminal)

The ETA is the elapsed time per finished student times the students
left, which accounts for `--jobs` students graded at once. The clock is
a parameter, so the arithmetic is tested without waiting.
"""

import sys
import time

BAR_WIDTH = 10


def duration(seconds):
    """`42s`, `2m31s`, `4h08m`."""
    seconds = int(round(max(0.0, seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """Counts finished students and prints a line for each."""

    def __init__(self, total, stream=None, clock=time.monotonic):
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stdout
        self.clock = clock
        self.start = clock()

    def eta(self):
        """Seconds until the last student is done, or None (none yet)."""
        if not self.done:
            return None
        elapsed = self.clock() - self.start
        return elapsed / self.done * (self.total - self.done)

    def line(self, name, result, seconds):
        extra = result["extra_data"]
        filled = BAR_WIDTH * self.done // max(1, self.total)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        width = len(str(self.total))
        eta = self.eta()
        return (f"[{self.done:>{width}}/{self.total}] {bar}  {name}: "
                f"{result['score']:g} / {extra['max_score']:g} "
                f"({extra['status']}) in {duration(seconds)}; elapsed "
                f"{duration(self.clock() - self.start)}, ETA "
                f"{duration(eta) if eta is not None else '?'}")

    def finished(self, name, result, seconds):
        """Count one student done and print its line."""
        self.done += 1
        print(self.line(name, result, seconds), file=self.stream,
              flush=True)
