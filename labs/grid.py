"""Train the lab's 10 runs (ReLU/ELU x BN x WI, LReLU, Maxout).

    python labs/grid.py [--only NAME,NAME] [--list] [lab4.py options]

Finished runs are skipped, so the same command continues the grid. The
logic lives in nin.cli.grid.
"""

import sys

from nin.cli.grid import main

if __name__ == "__main__":
    sys.exit(main())
