"""The hidden tests' runner: the only code that imports a student's source.

    python -P hidden_runner.py REQUEST.json

It runs inside the sandbox (`grading.sandbox.bubblewrap`), started by
`grading.assignment.hidden_tests`, and is executed as a file: it imports
nothing of the grader (only the standard library, NumPy and Keras), so
the sandbox needs the student's source and this file alone.

It imports Keras once, then runs each part in a forked child of its own
(its own process group, CPU-time limit and a wall-clock limit, killed at
the limit). The child makes the student's packages (`nin`, `callbacks`)
importable from the student's folder without running their `__init__`
files, so a part loads only the modules it uses, imports the part's
module, runs it on the grader's inputs (`inputs.npz`) and writes what
it observed: `PART.json` (`{"status": "observed", "data": ...}` or
`{"status": "error", "reason": ...}`) and `PART.npz` (arrays). Nothing is
judged here: the grader compares the observations with its reference in
its own process. A child that crashes, hangs, exits or runs out of memory
gets an error written by this supervisor, and the next part runs; if the
supervisor itself dies, `PART.started` tells the grader which part it
was running, and the grader starts a new sandbox for the rest.
"""

import importlib
import json
import os
import re
import resource
import signal
import sys
import time
import traceback
import types
from pathlib import Path

import numpy as np

PACKAGES = ("nin", "callbacks")
POLL_S = 0.05
REASON_CHARS = 300
ANSI = re.compile(r"\x1b\[[0-9;]*m")
KERAS_WRAPPER = "Exception encountered when calling"


def write_json(path, data):
    temporary = Path(f"{path}.partial")
    temporary.write_text(json.dumps(data))
    temporary.replace(path)


def student_packages(source):
    """Register the student's package folders as bare packages."""
    for top in PACKAGES:
        root = Path(source) / top
        if not (root / "__init__.py").is_file():
            continue
        for init in sorted(root.rglob("__init__.py")):
            folder = init.parent
            name = ".".join(folder.relative_to(source).parts)
            package = types.ModuleType(name)
            package.__path__ = [str(folder)]
            package.__file__ = str(init)
            package.__package__ = name
            sys.modules[name] = package


def student_module(name):
    return importlib.import_module(name)


def to_numpy(value):
    from keras import ops

    return np.asarray(ops.convert_to_numpy(value))


def observe_maxout(settings, inputs):
    maxout = student_module("nin.layers.maxout")
    return {}, {f"y{index}": to_numpy(maxout.Maxout(pieces=pieces)(
        inputs[f"x{index}"])) for index, pieces in
        enumerate(settings["pieces"])}


def observe_step_schedule(settings, inputs):
    schedules = student_module("callbacks.schedules")
    return {"rates": [float(schedules.step_decay(epoch))
                      for epoch in range(settings["epochs"])]}, {}


def observe_he_init(settings, inputs):
    initializers = student_module("nin.models.initializers")
    return {}, {f"w{index}": to_numpy(initializers.he_normal_fan_out(
        seed=settings["seed"] + index)(tuple(shape)))
        for index, shape in enumerate(settings["shapes"])}


def observe_wi_off(settings, inputs):
    initializers = student_module("nin.models.initializers")
    return {}, {f"w{index}": to_numpy(initializers.kernel_initializer(
        False, first_layer=first, seed=settings["seed"] + index)(
            tuple(settings["shape"])))
        for index, first in enumerate((True, False))}


def describe(model):
    """[{"classes": class and base names, "name", "input_from"}]."""
    producers, layers = {}, []
    for layer in model.layers:
        try:
            source = producers.get(id(layer.input))
        except (AttributeError, ValueError):
            source = None
        layers.append({"classes": [kind.__name__ for kind in
                                   type(layer).__mro__],
                       "name": layer.name, "input_from": source})
        producers[id(layer.output)] = layer.name
    return layers


def observe_bn_placement(settings, inputs):
    import keras

    blocks = student_module("nin.models.blocks")
    chains = {}
    for kind in ("conv", "dense"):
        for batch_norm in (True, False):
            spec = blocks.LayerSpec(  # no other part's initializer
                activation=settings["activation"], batch_norm=batch_norm,
                he_init=False, weight_decay=0.0, pieces=2, init="xavier")
            if kind == "conv":
                start = keras.Input((6, 6, 3))
                end = blocks.conv_block(start, 4, 3, spec, "block")
            else:
                start = keras.Input((5,))
                end = blocks.dense_block(start, 4, spec, "block")
            chains[f"{kind}, batch_norm={batch_norm}"] = describe(
                keras.Model(start, end))
    return {"chains": chains}, {}


def observe_activations(settings, inputs):
    activations = student_module("nin.layers.activations")
    return {}, {name: to_numpy(activations.make_activation(
        name, spatial=True)(inputs["x"])) for name in ("lrelu", "elu")}


def observe_pad_crop_flip(settings, inputs):
    layers = student_module("nin.layers.pad_crop_flip")
    x, pad, seed = inputs["x"], settings["pad"], settings["seed"]
    flipping = layers.PadCropFlip(pad=pad, flip=True, seed=seed)
    plain = layers.PadCropFlip(pad=pad, flip=False, seed=seed + 1)
    return {}, {"flip": to_numpy(flipping(x, training=True)),
                "plain": to_numpy(plain(x, training=True)),
                "inference": to_numpy(flipping(x, training=False))}


OBSERVERS = {"maxout": observe_maxout, "step_schedule": observe_step_schedule,
             "he_init": observe_he_init, "wi_off": observe_wi_off,
             "bn_placement": observe_bn_placement,
             "activations": observe_activations,
             "pad_crop_flip": observe_pad_crop_flip}


def describe_error(error, source):
    """`Type: message (file:line)`, the line the last student frame's."""
    frames = traceback.extract_tb(error.__traceback__)
    where = [frame for frame in frames
             if frame.filename.startswith(str(source))]
    message = ANSI.sub("", str(error))
    if message.startswith(KERAS_WRAPPER):  # Keras's call-context wrapper
        message = (message.split("\n\n") + [""])[1]
    text = f"{type(error).__name__}: {' '.join(message.split())}"
    location = ""
    if where:
        relative = os.path.relpath(where[-1].filename, source)
        location = f" ({relative}:{where[-1].lineno})"
    return text[:REASON_CHARS - len(location)] + location


def run_part(name, request, inputs, out):
    """In the child: observe one part, write PART.json, and exit."""
    try:
        cpu = int(request["part_timeout_s"] * max(1, os.cpu_count() or 1)) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        student_packages(request["source"])
        data, arrays = OBSERVERS[name](request["settings"][name], inputs)
        np.savez(out / f"{name}.npz", **arrays)
        write_json(out / f"{name}.json", {"status": "observed", "data": data})
    except BaseException as error:  # SystemExit too: the part's error
        traceback.clear_frames(error.__traceback__)  # free what it held
        reason = describe_error(error, request["source"])
        del error
        write_json(out / f"{name}.json", {"status": "error",
                                          "reason": reason})
    finally:
        os._exit(0)


def wait_for(pid, timeout_s):
    """(wait status or None if killed at the limit)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(POLL_S)
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os.waitpid(pid, 0)
    return None


def ending(status):
    if os.WIFSIGNALED(status):
        signal_name = signal.Signals(os.WTERMSIG(status)).name
        return f"was killed by {signal_name} (a crash or a limit)"
    return (f"exited with code {os.waitstatus_to_exitcode(status)} "
            "without a result (os._exit or a crash)")


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: python -P hidden_runner.py REQUEST.json")
    request = json.loads(Path(argv[1]).read_text())
    import keras  # noqa: F401  once, before the children: they share it

    out = Path(request["out"])
    with np.load(request["inputs"], allow_pickle=False) as stored:
        stored = dict(stored)
    for name in request["parts"]:
        prefix = f"{name}__"
        inputs = {key[len(prefix):]: value for key, value in stored.items()
                  if key.startswith(prefix)}
        for stale in (f"{name}.json", f"{name}.npz"):  # none but its own
            (out / stale).unlink(missing_ok=True)
        (out / f"{name}.started").write_text("")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.setpgid(0, 0)
            run_part(name, request, inputs, out)
        status = wait_for(pid, request["part_timeout_s"])
        try:  # what the part left running in its process group
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        if status is None:
            (out / f"{name}.npz").unlink(missing_ok=True)
            write_json(out / f"{name}.json", {
                "status": "error", "reason": "stopped at the "
                f"{request['part_timeout_s']:g} s time limit"})
        elif not (out / f"{name}.json").is_file():
            write_json(out / f"{name}.json",
                       {"status": "error", "reason": ending(status)})
        print(f"hidden test {name}: done", flush=True)


if __name__ == "__main__":
    main(sys.argv)
