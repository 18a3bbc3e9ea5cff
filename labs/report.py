"""Write the lab's results section: Table 2 and the figures.

    python labs/report.py LOGDIR

Writes LOGDIR/report/ (report.md, report.csv, PNG figures). The logic
lives in nin.cli.report.
"""

import sys

from nin.cli.report import main

if __name__ == "__main__":
    sys.exit(main())
