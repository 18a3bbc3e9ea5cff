"""Make the repository root importable when a lab script is run directly.

`python labs/lab4.py` puts `labs/` on sys.path, not the repository root
where the `nin` and `callbacks` packages live.
"""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
