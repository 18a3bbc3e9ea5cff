"""Pack submission.zip: your code and the lab's runs (starter kit).

    python labs/submit.py [--logdir logs] [--output submission.zip]

Runs the public checks first; refuses a missing run, an existing zip and
a zip above --max-mb (default 100).

The logic lives in nin.cli.submit.
"""

import sys

from nin.cli.submit import main

if __name__ == "__main__":
    sys.exit(main())
