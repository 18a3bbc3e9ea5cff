#!/usr/bin/env bash
# Speed of the lab on a GPU machine that has JAX but no TensorFlow (and no
# internet), with Keras carried there as wheels.
#
#   bash labs/gpu_bench.sh fetch   # here, once: wheels into .whl/ (ignored)
#   bash labs/gpu_bench.sh run     # there, with .whl/ carried along
#   bash labs/gpu_bench.sh grid    # there: the grid with N runs at once
#
# `fetch` downloads Keras's wheels for the GPU machine's Python and builds
# the toolkit's own wheel; `run` installs them all (no dependencies, no
# index) into the user site of that machine's python3, which has JAX and
# the rest, then with KERAS_BACKEND=jax:
# labs/bench.py --json (default lab run ELU+BN+WI) at each of
# BENCH_PRECISIONS, and real epochs of labs/lab4.py on a CIFAR-10-sized
# data set (50,000 random images written in the official format: speed
# does not depend on the pixels), one run per LAB_VARIANTS entry
# (steps per execution, verbosity, precision). It prints the mean training
# seconds of the epochs after the first (which includes compilation) and
# what 164 of them would take. Results go to $OUT (or ./gpu-bench-out):
# gpu.txt, bench.json, summary.txt, log.txt and one results.json per run.
# `grid` installs the same way and runs labs/bench_grid.py on that data:
# GRID_RUNS trained GRID_EPOCHS epochs each with N runs at once for each N
# of GRID_JOBS; the first pass (5 at once) fills JAX's compilation cache,
# which the others load. It prints and writes grid.json / grid.txt.
# INSTALL=0 skips the wheels (to try a stage out here, in a venv).
set -euo pipefail
cd "$(dirname "$0")/.."
KERAS_VERSION="${KERAS_VERSION:-3.15.1}"
PYTHON_VERSION="${PYTHON_VERSION:-3.12}"  # the GPU machine's python3
# Smaller settings only to try the script out on a CPU:
EPOCHS="${EPOCHS:-3}" PER_BATCH="${PER_BATCH:-10000}"
BENCH_ARGS="${BENCH_ARGS:-}"
BENCH_PRECISIONS="${BENCH_PRECISIONS:-auto fp32}"
# steps-per-execution:verbose:precision of each lab4.py run
LAB_VARIANTS="${LAB_VARIANTS:-1:auto:auto 1:0:auto 16:0:auto 1:0:fp32}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-150}" LAB_TIMEOUT="${LAB_TIMEOUT:-100}"
# One run of each distinct train step of the lab (the others differ in
# their initial weights only), extrapolated to the 10 runs.
GRID_RUNS="${GRID_RUNS:-None,BN,ELU+BN+WI,LReLU+BN+WI,Maxout+BN+WI}"
GRID_JOBS="${GRID_JOBS:-5,1,2,3}" GRID_EPOCHS="${GRID_EPOCHS:-2}"
GRID_ARGS="${GRID_ARGS:-}" GRID_TIMEOUT="${GRID_TIMEOUT:-480}"
INSTALL="${INSTALL:-1}"

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
  python3 -m pip wheel --quiet --no-deps -w .whl .  # the toolkit itself
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

prepare() {  # install, say what the machine is, write the CIFAR files
  if [ "$INSTALL" = 1 ]; then
    python3 -m pip install -q --user --no-index --no-deps --no-compile \
      --no-cache-dir --upgrade --break-system-packages .whl/*.whl
  fi
  export KERAS_BACKEND="${KERAS_BACKEND:-jax}" PYTHONUNBUFFERED=1
  { nvidia-smi -L; python3 -c "import jax, keras
print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)"
  } 2>&1 | tee "$out/gpu.txt" || true
  mkdir "$work/cifar"
  python3 -c "from nin.data.cifar import write_random_cifar
write_random_cifar('$work/cifar', per_batch=$PER_BATCH, as_archive=False)"
}

grid() {
  local out="${OUT:-gpu-bench-out}" work
  work="$(mktemp -d)"
  mkdir -p "$out"
  prepare
  # shellcheck disable=SC2086
  timeout "$GRID_TIMEOUT" python3 labs/bench_grid.py --work "$work/bench" \
    --jobs "$GRID_JOBS" --epochs "$GRID_EPOCHS" --only "$GRID_RUNS" \
    --data-dir "$work/cifar" --json "$out/grid.json" $GRID_ARGS \
    2>>"$out/log.txt" | tee "$out/grid.txt"
}

run() {
  local out="${OUT:-gpu-bench-out}" work steps verbose precision name
  work="$(mktemp -d)"
  mkdir -p "$out"
  prepare
  for precision in $BENCH_PRECISIONS; do  # one JSON line each
    # shellcheck disable=SC2086
    timeout "$BENCH_TIMEOUT" python3 labs/bench.py --json $BENCH_ARGS \
      --precision "$precision" 2>>"$out/log.txt" | tee -a "$out/bench.json" \
      || tail -5 "$out/log.txt"
  done
  for variant in $LAB_VARIANTS; do
    IFS=: read -r steps verbose precision <<< "$variant"
    name="spe${steps}_verbose${verbose}_${precision}"
    echo "== lab4 $name" >> "$out/log.txt"
    timeout "$LAB_TIMEOUT" python3 labs/lab4.py --act elu --bn --wi \
      --data-dir "$work/cifar" --epochs "$EPOCHS" --precision "$precision" \
      --steps-per-execution "$steps" --logdir "$work/$name" \
      $( [ "$verbose" = auto ] || echo --verbose "$verbose" ) \
      >> "$out/log.txt" 2>&1 || { tail -5 "$out/log.txt"; continue; }
    cp "$work/$name/ELU+BN+WI/results.json" "$out/$name.json"
    epoch_summary "$out/$name.json" "$name" | tee -a "$out/summary.txt"
  done
}

case "${1:-}" in
  fetch) fetch ;;
  run) run ;;
  grid) grid ;;
  *) echo "usage: bash labs/gpu_bench.sh fetch|run|grid" >&2; exit 2 ;;
esac
