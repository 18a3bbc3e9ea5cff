"""The starter kit's description: `kit.json`, next to this file.

`labs/release.py` writes it into the kit; the full toolkit has none. It
holds what the student's tools need and nothing of the grader's:

    {"parts": [{"name", "file", "spec", "task"}, ...],   the parts to write
     "runs": ["None", "WI", ...],                         the runs to hand in
     "code": ["nin/layers/maxout.py", ...]}               files holding parts

so `check` and `submit` never read `grading/` (the kit does not ship it).
"""

import json
from pathlib import Path

KIT_FILE = Path(__file__).with_name("kit.json")
KIT_KEYS = ("parts", "runs", "code")
PART_KEYS = ("name", "file", "spec", "task")


def load_kit(path=KIT_FILE):
    """The validated kit description, or None where there is none (the
    full toolkit, where every part is written)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        kit = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"Expected a readable JSON kit description. "
                         f"Received: {path} ({error})") from None
    if not isinstance(kit, dict) or set(KIT_KEYS) - set(kit):
        raise ValueError(f"Expected {path} to have the keys {KIT_KEYS}. "
                         f"Received: {sorted(kit) if isinstance(kit, dict) else kit!r}")
    for part in kit["parts"]:
        if not isinstance(part, dict) or set(PART_KEYS) - set(part):
            raise ValueError(f"Expected each part in {path} to have "
                             f"{PART_KEYS}. Received: {part!r}")
    for key in ("runs", "code"):
        if not all(isinstance(item, str) and item for item in kit[key]):
            raise ValueError(f"Expected {key!r} in {path} to list names. "
                             f"Received: {kit[key]!r}")
    return kit


def kit_root(path=KIT_FILE):
    """The kit's top folder (where labs/, nin/ and README.md are)."""
    return Path(path).resolve().parents[2]
