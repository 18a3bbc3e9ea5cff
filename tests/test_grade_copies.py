"""Copied runs across a class, found from real (tiny) runs.

The honest student's BN run comes from the session's lab grid (seed 0);
a classmate trained theirs with seed 1, another kept the default seed 0
and trained it again later. One student copied the honest
run whole; another added noise to its weights and deleted its event
files, so only the weights give it away. Each run is measured by the
worker's own code (`measure_run`, in process), and `grading.copies.similarity`
flags the pairs.
"""

import json
import shutil

import pytest

import nin
from grading.bench.copies import add_kernel_noise
from grading.copies import similarity as copies
from grading.inputs import measure
from grading.inputs.finding import toolkit_candidate
from grading.rubric import lab_runs
from grading.sandbox.context import Context
from nin.training import RunConfig, train

RUN = "BN"
NOISE = 0.1  # of each kernel's standard deviation


def trained(logdir, seed):
    train(RunConfig(activation="relu", batch_norm=True, he_init=False,
                    dataset="synthetic", epochs=2, width=0.125,
                    precision="fp32", seed=seed, logdir=str(logdir)),
          verbose=0)
    return logdir / RUN


def add_noise(run_dir, fraction, seed=0):
    """model.keras with N(0, fraction x std) added to every kernel."""
    model = nin.build_model("nin", activation="relu", batch_norm=True,
                            he_init=False, width=0.125)
    add_kernel_noise(run_dir, model, fraction, seed)


@pytest.fixture(scope="module")
def flagged(lab_grid, tmp_path_factory):
    base = tmp_path_factory.mktemp("copies")
    folders = {"honest": lab_grid.logdir / RUN}
    for name, seed in (("seed1", 1), ("twin", 0)):
        folders[name] = trained(base / name, seed)
    folders["copier"] = base / "copier" / RUN
    shutil.copytree(folders["honest"], folders["copier"])
    folders["noisy"] = base / "noisy" / RUN
    shutil.copytree(folders["honest"], folders["noisy"])
    add_noise(folders["noisy"], NOISE)
    for split in ("train", "test"):  # and the HParams file: no curves
        shutil.rmtree(folders["noisy"] / split)
    for path in folders["noisy"].glob("events.*"):
        path.unlink()
    context = Context("synthetic", None, tolerance=1e-5)
    fingerprints = {}
    for student, folder in folders.items():
        facts = measure.measure_run(
            RUN, [toolkit_candidate(folder)], lab_runs()[RUN],
            folder.parent, context)
        fingerprints[(student, RUN)] = json.loads(json.dumps(
            facts["fingerprint"]))
    return {"flags": copies.student_flags(fingerprints),
            "similarity": copies.similarities(fingerprints)}


def similarity(flagged, first, second):
    pair = tuple(sorted([(first, RUN), (second, RUN)]))
    return flagged["similarity"][pair]


def flags_naming(flagged, student, other):
    return [flag for flag in flagged["flags"].get(student, [])
            if f"to {other}'s" in flag]


def test_a_whole_copy_is_flagged_on_both_sides_as_copied(flagged):
    for student, other in (("copier", "honest"), ("honest", "copier")):
        (flag,) = flags_naming(flagged, student, other)
        assert flag.startswith(f"possible copy: identical weights to "
                               f"{other}'s in 1 run(s) (BN); ")
        assert "byte-identical" in flag and "copied" in flag
    assert similarity(flagged, "copier", "honest") == pytest.approx(1.0)


def test_a_noise_perturbed_copy_is_flagged_by_its_weights(flagged):
    (flag,) = flags_naming(flagged, "noisy", "honest")
    assert "nearly identical weights (similarity >= 0.99" in flag
    assert 0.99 < similarity(flagged, "noisy", "honest") < 1.0
    assert "byte-identical" not in flag
    assert "identical training times in results.json" in flag


def test_the_default_seed_trained_again_is_told_apart(flagged):
    (flag,) = flags_naming(flagged, "twin", "honest")
    assert "identical weights" in flag
    assert "trained separately" in flag and "byte-identical" not in flag
    assert "both used seed 0, the default" in flag


def test_students_with_other_seeds_are_not_flagged(flagged):
    assert "seed1" not in flagged["flags"]
    for other in ("honest", "twin", "copier", "noisy"):
        assert abs(similarity(flagged, "seed1", other)) < 0.2


@pytest.mark.quick
def test_similarity_of_hand_made_fingerprints():
    """Same sketches: similarity 1, flagged; orthogonal ones: 0, not; a
    shared event file flags a pair whatever its weights."""
    def entry(sketches, events=()):
        return {"weights": {"shapes": [[3, 3, 3, 2]] * len(sketches),
                            "sketches": sketches, "sha256": "x"},
                "events": [{"sha256": digest} for digest in events]}

    fingerprints = {("ana", "BN"): entry([[1.0, 0.0], [0.0, 2.0]]),
                    ("bo", "BN"): entry([[2.0, 0.0], [0.0, 4.0]]),
                    ("cy", "BN"): entry([[0.0, 1.0], [1.0, 0.0]], ["e1"]),
                    ("di", "BN"): entry([[0.0, -1.0], [1.0, 0.0]], ["e1"])}
    values = copies.similarities(fingerprints)
    assert values[(("ana", "BN"), ("bo", "BN"))] == pytest.approx(1.0)
    assert values[(("ana", "BN"), ("cy", "BN"))] == pytest.approx(0.0)
    assert values[(("cy", "BN"), ("di", "BN"))] == pytest.approx(0.0)
    assert copies.suspicious_pairs(fingerprints) == [
        (("ana", "BN"), ("bo", "BN"), pytest.approx(1.0), set()),
        (("cy", "BN"), ("di", "BN"), None, {"e1"})]
