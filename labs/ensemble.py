"""Average the softmax of saved runs on the test set.

    python labs/ensemble.py logs/ELU+BN+WI logs/ELU+BN logs/BN \
        --output ens.json

The logic lives in nin.cli.ensemble.
"""

import sys

from nin.cli.ensemble import main

if __name__ == "__main__":
    sys.exit(main())
