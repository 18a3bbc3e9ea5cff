"""Write the lab's starter kit and its autograder (for instructors).

    python labs/release.py OUT [--config release.json]

OUT/student/ is the kit to publish, OUT/autograder/autograder.zip the
Gradescope autograder (docs/teaching.md). The logic lives in
grading.assignment.cli.
"""

import sys

from grading.assignment.cli import main

if __name__ == "__main__":
    sys.exit(main())
