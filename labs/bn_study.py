"""Seed 003's batch-norm study: vanilla vs BN, MLP and VGG-style CNN.

    python labs/bn_study.py --list
    python labs/bn_study.py --dataset digits --epochs 8 --width 0.25

The logic lives in nin.cli.bn_study.
"""

import sys

from nin.cli.bn_study import main

if __name__ == "__main__":
    sys.exit(main())
