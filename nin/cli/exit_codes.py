"""The exit codes of every entry point, documented in the README."""

EXIT_OK = 0
EXIT_FAILED = 1  # grid / study: some run failed
EXIT_BAD_INPUT = 2  # one line naming the problem, no traceback
EXIT_DIVERGED = 3  # the run (or some run) diverged: loss NaN/inf
EXIT_WRITE_FAILED = 4  # a file could not be read or written
EXIT_INTERRUPTED = 130  # Ctrl-C; the last epoch's checkpoint is kept
