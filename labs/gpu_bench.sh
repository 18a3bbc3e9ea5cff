#!/usr/bin/env bash
# Speed of the lab on a GPU machine that has JAX but no TensorFlow (and no
# internet), with Keras carried there as wheels.
#
#   bash labs/gpu_bench.sh fetch   # here, once: wheels into .whl/ (ignored)
#   bash labs/gpu_bench.sh run     # there, with .whl/ carried along
#
# `run` installs the wheels into /tmp/site, then with KERAS_BACKEND=jax:
# labs/bench.py --json (default lab run ELU+BN+WI, precision auto), and
# real epochs of labs/lab4.py on a CIFAR-10-sized data set (50,000 random
# images written in the official format: speed does not depend on the
# pixels), with 1 and 16 steps per execution. It prints the mean seconds
# of the epochs after the first (which includes compilation) and what 164
# of them would take. Results go to $OUT (or ./gpu-bench-out).
set -euo pipefail
cd "$(dirname "$0")/.."
KERAS_VERSION="${KERAS_VERSION:-3.15.1}"
PYTHON_VERSION="${PYTHON_VERSION:-3.12}"  # the GPU machine's python3
# Smaller settings only to try the script out on a CPU:
EPOCHS="${EPOCHS:-4}" PER_BATCH="${PER_BATCH:-10000}"
BENCH_ARGS="${BENCH_ARGS:-}"

fetch() {
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null \
    || echo '/.whl/' >> .git/info/exclude
  local platforms=()
  for tag in manylinux_2_28 manylinux_2_27 manylinux_2_17 manylinux2014; do
    platforms+=(--platform "${tag}_x86_64")
  done
  python3 -m pip download --no-deps --only-binary=:all: -d .whl \
    --python-version "$PYTHON_VERSION" --implementation cp "${platforms[@]}" \
    "keras==$KERAS_VERSION" namex optree
  ls -l .whl
}

epoch_summary() {  # results.json -> one line: mean epoch after the first
  python3 - "$1" "$2" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))
times = [entry["epoch_train_s"] for entry in results["history"]][1:]
mean = sum(times) / len(times)
print(f"{sys.argv[2]}: {mean:.2f} s per CIFAR-10 epoch after the first; "
      f"164 epochs: {164 * mean / 60:.1f} min of training")
EOF
}

run() {
  local out="${OUT:-gpu-bench-out}" work
  work="$(mktemp -d)"
  mkdir -p "$out"
  python3 -m pip install -q --no-index --no-deps --no-compile \
    --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:$PWD" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
  nvidia-smi -L | tee "$out/gpu.txt" || true
  # shellcheck disable=SC2086
  python3 labs/bench.py --json $BENCH_ARGS | tee "$out/bench.json"
  mkdir "$work/cifar"
  python3 -c "import sys, pathlib; sys.path.insert(0, 'tests')
from cifar_files import write_cifar
write_cifar(pathlib.Path('$work/cifar'), per_batch=$PER_BATCH,
            as_archive=False)"
  for steps in 1 16; do
    python3 labs/lab4.py --act elu --bn --wi --data-dir "$work/cifar" \
      --epochs "$EPOCHS" --steps-per-execution "$steps" \
      --logdir "$work/runs$steps" \
      > "$out/lab4_spe$steps.log" 2>&1 || tail -5 "$out/lab4_spe$steps.log"
    cp "$work/runs$steps/ELU+BN+WI/results.json" "$out/lab4_spe$steps.json"
    epoch_summary "$out/lab4_spe$steps.json" "steps-per-execution $steps" \
      | tee -a "$out/summary.txt"
  done
}

case "${1:-}" in
  fetch) fetch ;;
  run) run ;;
  *) echo "usage: bash labs/gpu_bench.sh fetch|run" >&2; exit 2 ;;
esac
