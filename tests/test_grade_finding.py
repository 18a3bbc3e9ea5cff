"""Finding the lab's runs in a submission, any layout
(`grading.inputs.finding`, `grading.inputs.manifest`). The files are
empty: finding reads names only."""

import json

import pytest

from grading.inputs.finding import find_runs
from grading.inputs.manifest import load_manifest

RUNS = ["None", "BN", "ELU+BN+WI", "LReLU+BN+WI"]


def touch(root, *paths):
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(b"")


def relative(root, found):
    return {run: [(c["kind"], str(c["folder"].relative_to(root)),
                   c["model"] and str(c["model"].relative_to(root)),
                   c["logs"] and str(c["logs"].relative_to(root)))
                  for c in candidates]
            for run, candidates in found.items()}


def test_our_run_folders_in_any_spelling(tmp_path):
    touch(tmp_path, "logs/BN/config.json", "logs/BN/model.keras",
          "logs/BN/train/events.out.tfevents.1.h.1.0.v2",
          "logs/elu_bn_wi/results.json", "logs/elu_bn_wi/model.keras")
    found, problem = find_runs(tmp_path, RUNS)
    assert problem is None
    assert relative(tmp_path, found) == {
        "None": [], "LReLU+BN+WI": [],
        "BN": [("toolkit", "logs/BN", "logs/BN/model.keras", "logs/BN")],
        "ELU+BN+WI": [("toolkit", "logs/elu_bn_wi",
                       "logs/elu_bn_wi/model.keras", "logs/elu_bn_wi")]}


def test_model_files_pair_with_log_folders_named_like_them(tmp_path):
    touch(tmp_path, "models/nin_elu_bn_wi.h5", "models/relu.keras",
          "logs/elu-bn-wi/train/events.out.tfevents.1.h.1.0.v2",
          "logs/elu-bn-wi/validation/events.out.tfevents.1.h.1.1.v2",
          "ReLU BN/model.keras", "ReLU BN/model.h5",
          "ReLU BN/logs/train/events.out.tfevents.1.h.1.0.v2",
          "LReLU_BN_WI/history.json", "notes/report.pdf",
          "models/relu_bn.weights.h5")
    found, _ = find_runs(tmp_path, RUNS)
    assert relative(tmp_path, found) == {
        "None": [("foreign", "models", "models/relu.keras", None)],
        "BN": [("foreign", "ReLU BN", "ReLU BN/model.keras",
                "ReLU BN/logs")],
        "ELU+BN+WI": [("foreign", "models", "models/nin_elu_bn_wi.h5",
                       "logs/elu-bn-wi")],
        "LReLU+BN+WI": [("foreign", "LReLU_BN_WI", None, "LReLU_BN_WI")]}
    assert found["BN"][0]["also"] == ["ReLU BN/model.h5"]


def test_two_candidates_for_one_run_are_both_listed(tmp_path):
    touch(tmp_path, "final/bn.keras", "old/attempt/relu_bn.h5")
    found, _ = find_runs(tmp_path, RUNS)
    assert [str(c["model"].relative_to(tmp_path)) for c in found["BN"]] \
        == ["final/bn.keras", "old/attempt/relu_bn.h5"]


def test_a_manifest_names_the_files(tmp_path):
    touch(tmp_path, "a/m1.h5", "b/tb/train/events.out.tfevents.1.h.1.0.v2",
          "logs/BN/config.json", "logs/BN/model.keras", "bn_other.keras")
    (tmp_path / "manifest.json").write_text(json.dumps({"runs": {
        "elu_bn_wi": {"model": "a/m1.h5", "logs": "b/tb",
                      "preprocessing": "x/255"},
        "BN": {"folder": "logs/BN"}}}))
    found, problem = find_runs(tmp_path, RUNS)
    assert problem is None
    assert relative(tmp_path, found)["ELU+BN+WI"] == [
        ("foreign", "a", "a/m1.h5", "b/tb")]
    assert found["ELU+BN+WI"][0]["preprocessing"] == "x/255"
    assert relative(tmp_path, found)["BN"] == [
        ("toolkit", "logs/BN", "logs/BN/model.keras", "logs/BN")]


@pytest.mark.parametrize("manifest, message", [
    ([1], "Expected an object {\"runs\""),
    ({"runs": {"resnet": {"model": "m.h5"}}}, "Expected lab run names"),
    ({"runs": {"BN": {"model": "m.h5"}, "relu_bn": {"model": "m.h5"}}},
     "Expected each run once. Received: BN twice"),
    ({"runs": {"BN": {"modle": "m.h5"}}}, "Expected fields among"),
    ({"runs": {"BN": {"logs": "."}}}, "Expected 'model' or 'folder'"),
    ({"runs": {"BN": {"model": "../m.h5"}}}, "Expected a path inside"),
    ({"runs": {"BN": {"model": "/etc/passwd"}}}, "Expected a path inside"),
    ({"runs": {"BN": {"model": "gone.h5"}}},
     "Expected an existing file. Received: 'gone.h5'"),
    ({"runs": {"BN": {"model": "notes.txt"}}}, "Expected a .keras/.h5"),
    ({"runs": {"BN": {"model": "m.h5", "preprocessing": "yuv"}}},
     "Expected one of x/255. Received: 'yuv'"),
])
def test_manifest_mistakes_say_what_was_expected(tmp_path, manifest,
                                                 message):
    touch(tmp_path, "m.h5", "notes.txt")
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError) as caught:
        load_manifest(tmp_path / "manifest.json", tmp_path, ["x/255"])
    assert message in str(caught.value)
    found, problem = find_runs(tmp_path, RUNS, ["x/255"])
    assert message in problem
