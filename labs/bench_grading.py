"""The grader's benchmarks: re-measurement speed, one full-size student,
the copy-detection study.

    python labs/bench_grading.py speed | student | copies | foreign [--json]

The logic lives in grading.bench.cli.
"""

import sys

from grading.bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
