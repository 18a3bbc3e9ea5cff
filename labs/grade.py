"""Grade a class of Lab 4 submissions safely (for TAs).

    python labs/grade.py SUBMISSIONS --out OUT [--dataset cifar10] \
        [--data-dir D]

The logic lives in grading.cli.
"""

import sys

from grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
