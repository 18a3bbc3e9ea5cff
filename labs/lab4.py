"""Lab 4: train one NIN run (activation x BN x He init) on CIFAR-10.

    python labs/lab4.py --act elu --bn --wi

Runs seed 001's recipe into logs/RUN_NAME/ (resumable; a finished run is
never trained again). Flags: python labs/lab4.py --help. The logic lives
in nin.cli.lab4.
"""

import sys

from nin.cli.lab4 import main

if __name__ == "__main__":
    sys.exit(main())
