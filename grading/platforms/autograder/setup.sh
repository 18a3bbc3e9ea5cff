#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image
# (Ubuntu); /autograder/source holds the bundle that
# `labs/grade.py --gradescope-bundle` wrote. It installs Python 3.11 or
# newer, the toolkit's dependencies at the versions the bundle was made
# with (requirements.lock) and the toolkit itself into /autograder/venv,
# then checks that the grader imports, so a broken image fails here and
# not on a student's submission.
set -euo pipefail

root="${AUTOGRADER_ROOT:-/autograder}"
source_dir="$root/source"
venv="$root/venv"

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" > /dev/null && "$candidate" -c \
        'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    apt-get update
    apt-get install -y python3.11 python3.11-venv
    python=python3.11
fi

# bubblewrap: the sandbox of the hidden tests (grading.sandbox.bubblewrap).
# Where the image cannot create namespaces the grader falls back to its
# process sandbox and flags it in each student's results.
if ! command -v bwrap > /dev/null; then
    { apt-get update && apt-get install -y bubblewrap; } \
        || echo "bubblewrap not installed: hidden tests use the fallback"
fi

"$python" -m venv "$venv"
"$venv/bin/pip" install --upgrade pip
"$venv/bin/pip" install -r "$source_dir/requirements.lock"
"$venv/bin/pip" install --no-deps "$source_dir/toolkit"
"$venv/bin/python" -P -c 'import grading.platforms.gradescope, nin, keras'
