"""The grader's benchmarks: re-measurement speed, one full-size student,
the copy-detection study.

    python labs/bench_grading.py speed | student | copies [--json]

The logic lives in grading.bench.
"""

import sys

from grading.bench import main

if __name__ == "__main__":
    sys.exit(main())
