"""The lab's grid trained with N runs at once, for each N, timed.

    python labs/bench_grid.py --work /tmp/bench-grid --jobs 5,1,2,3 \
        --epochs 2 --data-dir DIR

The logic lives in nin.cli.bench_grid.
"""

import sys

from nin.cli.bench_grid import main

if __name__ == "__main__":
    sys.exit(main())
