"""Check the lab's parts you wrote (starter kit).

    python labs/check.py [--no-smoke] [--part maxout]

A line per part: done / not yet / waits / wrong (expected, received);
once all are done, a short training run on digits. Exit code 0: all done.

The logic lives in nin.cli.check.
"""

import sys

from nin.cli.check import main

if __name__ == "__main__":
    sys.exit(main())
