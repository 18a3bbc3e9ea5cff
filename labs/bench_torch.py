"""The same NIN in PyTorch, timed next to the toolkit's fast path.

    python labs/bench_torch.py --precision bf16 --compare

The logic lives in nin.cli.bench_torch (PyTorch is not a requirement).
"""

import sys

from nin.cli.bench_torch import main

if __name__ == "__main__":
    sys.exit(main())
