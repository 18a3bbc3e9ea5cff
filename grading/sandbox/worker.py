"""The sandboxed worker: `python -m grading.sandbox.worker REQUEST.json`.

Everything that opens a student's files runs here, in a child process that
`grading.sandbox.process` starts with resource limits, a timeout and no
network.
The request (written by the grader) names one command:

- `extract`: check and extract a `.zip` submission (`grading.inputs.archive`);
  writes `{"ok": true}` or `{"ok": false, "reason": ...}` to `status_path`.
- `measure`: find and measure each required run (`grading.inputs.measure`);
  writes one `NN.json` facts file per run into `facts_dir` as soon as that
  run is done, so a crash or timeout on run 7 keeps runs 1-6, and last
  `worker.json` (its peak memory and the precision it measured in).
- `probe`: report whether 127.0.0.1:`port` is reachable and the limits in
  force, then hold `hold_mb` MB of memory for `hold_s` seconds, so the
  isolation itself can be tested.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np

from callbacks.atomic import write_json_atomic
from grading.inputs import archive
from grading.sandbox.context import Context
from grading.sandbox.machine import peak_memory

USAGE_FILE = "worker.json"


def write_json(path, data):
    write_json_atomic(path, data, default=_plain)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def run_extract(request):
    try:
        size = archive.extract_archive(
            request["archive"], request["destination"],
            request["max_files"], request["max_bytes"])
        status = {"ok": True, "bytes": size}
    except archive.UnsafeSubmissionError as error:
        status = {"ok": False, "reason": str(error)}
    write_json(request["status_path"], status)


def run_measure(request):
    from grading.inputs.finding import find_runs
    from grading.inputs.measure import measure_run

    root = Path(request["root"])
    context = Context(request["dataset"], request.get("data_dir"),
                      request["maxout_tolerance"],
                      request.get("precision", "auto"))
    required = request["runs"]
    found, manifest_problem = find_runs(root, list(required),
                                        _conventions())
    facts_dir = Path(request["facts_dir"])
    for index, (name, settings) in enumerate(required.items()):
        facts = measure_run(name, found[name], settings, root, context)
        if manifest_problem:
            facts["manifest_error"] = manifest_problem
        write_json(facts_dir / f"{index:02d}.json", facts)
        print(timing_line(name, facts), flush=True)  # into grader.log
    write_json(facts_dir / USAGE_FILE, {**peak_memory(),
                                        "precision": context.precision})


def _conventions():
    """The input conventions a manifest may name (None: any name)."""
    try:
        from grading.models.preprocessing import CONVENTIONS
    except ImportError:
        return None
    return list(CONVENTIONS)


def timing_line(name, facts):
    """`ELU+BN+WI: re-measured in 9.1 s (bf16, batch 256, 312 images
    rechecked in fp32)`, or why it was not."""
    measured = facts.get("remeasured")
    if not measured:
        return f"{name}: not re-measured"
    own = (f"{facts.get('source')}, inputs {measured['preprocessing']}, "
           if "preprocessing" in measured else "")  # a student's own model
    return (f"{name}: re-measured in {measured['seconds']} s ({own}"
            f"{measured['precision']}, batch {measured['batch_size']}, "
            f"{measured['rechecked_in_fp32']} images rechecked in fp32)")


def run_probe(request):
    """Report what the sandbox allows (network, memory limit, home,
    visible GPUs), then hold memory for a while if asked to."""
    import resource
    import socket
    import time

    try:
        socket.create_connection(("127.0.0.1", request["port"]),
                                 timeout=5).close()
        network = "reachable"
    except OSError as error:
        network = f"unreachable ({error.strerror or error})"
    write_json(request["status_path"], {
        "network": network,
        "memory_limit": resource.getrlimit(resource.RLIMIT_AS)[0],
        "home": os.environ.get("HOME"),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")})
    held = np.ones(request.get("hold_mb", 0) << 17)  # 8-byte values
    time.sleep(request.get("hold_s", 0))
    return held.size


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: python -m grading.sandbox.worker REQUEST.json")
    request = json.loads(Path(argv[1]).read_text())
    commands = {"extract": run_extract, "measure": run_measure,
                "probe": run_probe}
    commands[request["command"]](request)


if __name__ == "__main__":
    main(sys.argv)
