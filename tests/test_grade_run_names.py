"""Run names as students spell them (`grading.inputs.run_names`)."""

import pytest

from grading.inputs.run_names import parse_run_name
from nin.report.lab_runs import RUN_NAMES


@pytest.mark.parametrize("spelling, expected", [
    ("ELU+BN+WI", "ELU+BN+WI"), ("elu_bn_wi", "ELU+BN+WI"),
    ("elu-bn-wi", "ELU+BN+WI"), ("Elu BN wi", "ELU+BN+WI"),
    ("BN+ELU+WI", "ELU+BN+WI"), ("wi_bn_elu", "ELU+BN+WI"),
    ("relu_bn", "BN"), ("ReLU BN", "BN"), ("bn", "BN"), ("BN+WI", "BN+WI"),
    ("relu", "None"), ("None", "None"), ("NONE", "None"),
    ("relu_he_init", "WI"), ("WI", "WI"), ("relu-bn-no-wi", "BN"),
    ("elu_nobn_nowi", "ELU"), ("ELU+WI", "ELU+WI"), ("elu_bn", "ELU+BN"),
    ("LReLU+BN+WI", "LReLU+BN+WI"), ("leaky_relu_bn_wi", "LReLU+BN+WI"),
    ("LeakyReLU-BN-WI", "LReLU+BN+WI"), ("maxout_bn_wi", "Maxout+BN+WI"),
    ("Maxout+BN+WI", "Maxout+BN+WI"), ("batch_norm_elu", "ELU+BN"),
    ("nin_elu_bn_wi_final", "ELU+BN+WI"), ("model_BN_WI_164", "BN+WI"),
    ("run3_elu", "ELU"), ("prelu_bn", "PReLU+BN"),
])
def test_a_students_spelling_names_the_lab_run(spelling, expected):
    assert parse_run_name(spelling) == expected


@pytest.mark.parametrize("name", [
    "", "notes", "logs", "model", "report_figures", "elu_relu",
    "maxout_elu_bn", "elu_bn_copy_of_bob", "__MACOSX", "train",
    "validation", "12"])
def test_other_names_are_no_run(name):
    assert parse_run_name(name) is None


def test_every_legend_name_parses_to_itself_in_any_case():
    for name in RUN_NAMES:
        assert parse_run_name(name) == name
        assert parse_run_name(name.lower().replace("+", "_")) == name
        assert parse_run_name(name.upper().replace("+", " ")) == name
