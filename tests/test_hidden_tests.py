"""The hidden tests of a student's code (grading.assignment.hidden_tests).

A student's code is our own source with edits: the solution as is, a
wrong part or two, and hostile parts that write outside the scratch
folder, open a socket, loop, exhaust memory, exit or kill their parent.
Each runs in the real sandbox (bubblewrap where it works here, the
process fallback in one test); the judges are also tested on NumPy
observations alone (quick).
"""

import hashlib
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from grading.assignment import hidden_tests, markers
from grading.rubric import check_hidden_tests
from grading.sandbox import bubblewrap
from grading.sandbox.process import Limits

REPO = Path(__file__).resolve().parents[1]
CONFIG = markers.load_config()
FILES = {part: CONFIG["parts"][part]["file"] for part in CONFIG["parts"]}
HAS_BUBBLEWRAP = bubblewrap.choose("auto")[0] == "bubblewrap"
# Edits of our source (file, old, new) that both sandboxes must contain.
LOOP_FOREVER = (FILES["step_schedule"], "    passed = sum(",
                "    while True:\n        pass\n    passed = sum(")
KILL_PARENT = (FILES["bn_placement"], "        x = BatchNormalization(",
               "        import os, signal\n"
               "        os.kill(os.getppid(), signal.SIGKILL)\n"
               "        x = BatchNormalization(")


def student(folder, edits=()):
    """A submission folder whose code/ holds our part files, each
    (file, old, new) of `edits` applied."""
    for name in set(FILES.values()):
        target = folder / "code" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((REPO / name).read_text())
    for name, old, new in edits:
        path = folder / "code" / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))
    return folder


def grade(folder, work, timeout_s=30, sandbox="auto"):
    section = check_hidden_tests({"parts": list(hidden_tests.PARTS),
                                  "timeout_s": timeout_s})
    work.mkdir(exist_ok=True)
    return hidden_tests.run_hidden_tests(folder, work, section,
                                         Limits(memory_mb=6144),
                                         work / "log.txt", sandbox)


def failed(results):
    return {part for part, (credit, _) in results.items() if credit < 1}


@pytest.mark.quick
def test_the_parts_judged_are_the_release_config_s():
    assert set(hidden_tests.PARTS) == set(CONFIG["parts"])
    assert set(hidden_tests.JUDGES) == set(hidden_tests.PARTS)


@pytest.mark.quick
def test_the_rubric_section_is_validated_with_what_was_received():
    section = check_hidden_tests({"parts": ["maxout", "he_init"],
                                  "points": {"maxout": 2, "he_init": 1}})
    assert section["points"] == {"maxout": 2.0, "he_init": 1.0}
    assert section["visibility"] == "after_published"
    for bad, message in (({"parts": ["maxoot"]}, "Received: ['maxoot']"),
                         ({"parts": ["maxout"], "points": {"he_init": 1}},
                          "for every part"),
                         ({"parts": ["maxout"], "visibility": "soon"},
                          "Received: 'soon'"),
                         ({"parts": ["maxout"], "timeout_s": 0},
                          "Received: 0"),
                         ({"parts": ["maxout"], "seed": 1}, "['seed']")):
        with pytest.raises(ValueError, match=message.replace("[", r"\[")):
            check_hidden_tests(bad)


@pytest.mark.quick
def test_the_judges_name_what_is_wrong_on_numpy_observations():
    inputs = hidden_tests.make_inputs()
    x = inputs["maxout__x0"]
    grouped = x.reshape(*x.shape[:-1], -1, 2)
    ok = {"y0": grouped.max(-1),
          "y1": inputs["maxout__x1"].reshape(5, 4, 3).max(-1)}
    assert hidden_tests.judge_maxout({}, ok, inputs) == []
    mean = {**ok, "y0": grouped.mean(-1)}
    assert hidden_tests.judge_maxout({}, mean, inputs) == [
        "Maxout(pieces=2) on shape (3, 4, 4, 12): expected the max of each "
        "group of 2 consecutive channels. Received: their mean"]
    rates = [0.1 if epoch < 80 else 0.01 for epoch in range(164)]
    problems = hidden_tests.judge_step_schedule({"rates": rates}, {}, inputs)
    assert problems == ["step_decay(80): expected 0.1. Received: 0.01 "
                        "(wrong at 43 of 164 epochs, the first at epoch 80)"]
    rng = np.random.default_rng(0)
    std = np.sqrt(2 / (3 * 3 * 192))
    normal = rng.normal(0, std, (3, 3, 64, 192))
    truncated = np.clip(normal, -2 * std, 2 * std)
    assert hidden_tests._normal("w", normal, std) == []
    assert any("untruncated" in problem for problem in
               hidden_tests._normal("w", truncated, std * 0.88))
    chains = {f"{kind}, batch_norm={bn}": [
        {"classes": ["InputLayer"]}, {"classes": [linear]},
        {"classes": ["ReLU"]}, {"classes": ["BatchNormalization"]}]
        for kind, linear in (("conv", "Conv2D"), ("dense", "Dense"))
        for bn in (True, False)}
    problems = hidden_tests.judge_bn_placement({"chains": chains}, {}, inputs)
    assert problems[0] == ("conv_block(batch_norm=True): expected layers "
                           "linear -> batch norm -> activation. Received: "
                           "linear -> activation -> batch norm")
    images = inputs["pad_crop_flip__x"]
    same = {"inference": images, "plain": images, "flip": images}
    problems = hidden_tests.judge_pad_crop_flip({}, same, inputs)
    assert any("a random offset per image" in p for p in problems)
    assert any("flipped with probability 0.5" in p for p in problems)


def test_a_wrong_part_fails_its_hidden_test_and_only_it(tmp_path):
    folder = student(tmp_path / "wrong", [
        (FILES["maxout"], "return ops.max(grouped, axis=-1)",
         "return ops.mean(grouped, axis=-1)"),
        (FILES["step_schedule"], "if epoch >= drop)",
         "if epoch >= drop - 1)")])
    results, kind = grade(folder, tmp_path / "work")
    assert kind == ("bubblewrap" if HAS_BUBBLEWRAP else "process")
    assert failed(results) == {"maxout", "step_schedule"}
    assert "Received: their mean" in results["maxout"][1]
    assert "step_decay(80): expected 0.1. Received: 0.01" in \
        results["step_schedule"][1]
    assert results["pad_crop_flip"][1].startswith("passed: ")


def _digest(folders):
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.skipif(not HAS_BUBBLEWRAP, reason="bubblewrap cannot run here")
def test_hostile_parts_are_contained_and_cost_only_their_own_points(
        tmp_path):
    outside = tmp_path / "outside.txt"
    grader_file = tmp_path / "gradebook.csv"
    grader_file.write_text("student,score\n")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    folder = student(tmp_path / "hostile", [
        (FILES["maxout"], "        leading = ops.shape(inputs)[:-1]\n",
         f"        open({str(outside)!r}, 'w').write('out')\n"
         f"        open({str(grader_file)!r}, 'w').write('0')\n"
         "        leading = ops.shape(inputs)[:-1]\n"),
        LOOP_FOREVER,
        (FILES["he_init"], "    return keras.initializers.VarianceScaling(",
         "    hog = bytearray(64 << 30)\n"
         "    return keras.initializers.VarianceScaling("),
        (FILES["wi_off"], "    std = FIRST_LAYER_STD if",
         "    import sys\n    sys.exit(3)\n    std = FIRST_LAYER_STD if"),
        KILL_PARENT,
        (FILES["activations"], "        if name == \"lrelu\":",
         "        import socket\n"
         f"        socket.create_connection(('127.0.0.1', {port}), 2)\n"
         "        if name == \"lrelu\":"),
    ])
    before = _digest([REPO / "grading", REPO / "nin", REPO / "callbacks"])
    results, kind = grade(folder, tmp_path / "work", timeout_s=8)
    assert kind == "bubblewrap"
    assert failed(results) == set(hidden_tests.PARTS) - {"maxout",
                                                         "pad_crop_flip"}
    assert results["maxout"][0] == 1.0  # its writes went to a private /tmp
    assert "stopped at the 8 s time limit" in results["step_schedule"][1]
    assert "MemoryError" in results["he_init"][1]
    assert "SystemExit: 3" in results["wi_off"][1]
    assert "the test runner was killed during this part" in \
        results["bn_placement"][1]
    assert "Error" in results["activations"][1]  # refused: no network
    assert results["pad_crop_flip"][0] == 1.0  # ran in a new sandbox
    assert not outside.exists()
    assert grader_file.read_text() == "student,score\n"
    with pytest.raises(socket.timeout):
        listener.accept()
    listener.close()
    assert _digest([REPO / "grading", REPO / "nin", REPO / "callbacks"]) \
        == before


def test_the_fallback_sandbox_contains_an_exit_a_hang_and_a_killed_parent(
        tmp_path):
    folder = student(tmp_path / "hostile", [
        LOOP_FOREVER,
        (FILES["wi_off"], "    std = FIRST_LAYER_STD if",
         "    raise SystemExit('bye')\n    std = FIRST_LAYER_STD if"),
        KILL_PARENT,
    ])
    results, kind = grade(folder, tmp_path / "work", timeout_s=6,
                          sandbox="process")
    assert kind == "process"
    # Without a PID namespace the part outlives the runner it killed and
    # may still hand in its result; the parts after it run in a new one.
    assert failed(results) - {"bn_placement"} == {"step_schedule", "wi_off"}
    assert "SystemExit: bye" in results["wi_off"][1]
    assert "stopped at the 6 s time limit" in results["step_schedule"][1]
    assert results["activations"][0] == results["pad_crop_flip"][0] == 1.0
    assert (tmp_path / "work/hidden/out/pad_crop_flip.started").is_file()


@pytest.mark.quick
def test_a_submission_without_code_is_told_what_to_hand_in(tmp_path):
    (tmp_path / "runs").mkdir()
    results, kind = grade(tmp_path, tmp_path / "work")
    assert kind is None
    assert all(credit == 0 and "no code/ folder" in output
               for credit, output in results.values())
