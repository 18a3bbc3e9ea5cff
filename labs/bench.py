"""Training speed of one lab run (default ELU+BN+WI) on synthetic data.

    python labs/bench.py [--precision fp32] [--json]

The logic lives in nin.cli.bench.
"""

import sys

from nin.cli.bench import main

if __name__ == "__main__":
    sys.exit(main())
