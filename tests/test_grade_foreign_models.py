"""grading/models read, compare and re-measure students' own Keras files
(Keras 3 .keras/.h5, tf.keras 2 .h5) as data, never as code."""

import numpy as np
import pytest

from grading.models.inspect_model import ModelFileError
from grading.models.saved_model import read_saved_model


@pytest.mark.parametrize("name,source", [
    ("relu_keras3", "keras3"), ("relu_keras3_h5", "keras3-h5"),
    ("relu_bn_keras3", "keras3"), ("lrelu_keras2", "keras2-h5")])
def test_each_format_reads_layers_and_arrays(student_models, name, source):
    student = read_saved_model(student_models.good[name])
    assert student["source"] == source
    assert not student["holds_code"], student["findings"]
    convs = [layer for layer in student["layers"]
             if layer["class"] == "Conv2D"]
    assert [c["config"]["filters"] for c in convs][:3] == [16, 12, 8]
    kernel, bias = student["arrays"][convs[0]["name"]]
    assert kernel.shape == (5, 5, 3, 16) and bias.shape == (16,)


def test_keras3_h5_holds_the_same_arrays_as_keras_file(student_models):
    zipped = read_saved_model(student_models.good["relu_keras3"])
    legacy = read_saved_model(student_models.good["relu_keras3_h5"])
    assert zipped["param_count"] == legacy["param_count"] > 0
    for a, b in zip(zipped["layers"], legacy["layers"]):
        assert a["class"] == b["class"]


def test_lambda_is_reported_and_never_runs(student_models):
    student = read_saved_model(student_models.lambda_h5)
    assert student["holds_code"]
    assert any("holds code" in text and "Lambda" in text
               for text in student["findings"])
    assert not student_models.marker.exists()


def test_custom_class_is_not_checkable(student_models):
    student = read_saved_model(student_models.custom_class)
    assert student["holds_code"]
    assert any("MyLayer" in text for text in student["findings"])


def test_truncated_file_is_a_clear_error(student_models):
    with pytest.raises(ModelFileError, match="not a readable"):
        read_saved_model(student_models.truncated)


def test_huge_declared_shapes_are_refused_before_reading(student_models):
    with pytest.raises(ModelFileError, match="Expected arrays of at most"):
        read_saved_model(student_models.huge)


def test_garbage_file_is_a_clear_error(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(np.arange(100, dtype="uint8").tobytes())
    with pytest.raises(ModelFileError, match="not a readable Keras .h5"):
        read_saved_model(path)


def test_a_copy_is_found_across_formats(student_models):
    """A `.h5` handed in by one student and the `.keras` of the same
    model by another are flagged as a copy (same arrays, whichever reader
    read them); a different model of the same shapes is not."""
    from grading.copies.fingerprint import foreign_fingerprint
    from grading.copies.similarity import THRESHOLD, suspicious_pairs

    def fingerprint(name):
        student = read_saved_model(student_models.good[name])
        return foreign_fingerprint(student, None, 1 << 20)

    fingerprints = {("ada", "ReLU"): fingerprint("relu_keras3"),
                    ("bob", "ReLU"): fingerprint("relu_keras3_h5"),
                    ("cy", "ReLU"): fingerprint("relu_bn_keras3")}
    assert fingerprints[("ada", "ReLU")]["weights"]["sha256"] == \
        fingerprints[("bob", "ReLU")]["weights"]["sha256"]
    assert fingerprints[("cy", "ReLU")]["weights"]["shapes"] == \
        fingerprints[("ada", "ReLU")]["weights"]["shapes"]
    pairs = suspicious_pairs(fingerprints)
    assert [(first, second) for first, second, _, _ in pairs] == [
        (("ada", "ReLU"), ("bob", "ReLU"))]
    assert pairs[0][2] == pytest.approx(1.0) and pairs[0][2] >= THRESHOLD
