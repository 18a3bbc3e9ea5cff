"""Validation of the RunConfig options beyond Lab 4 (seeds 000-004).

Kept apart from `nin.config` so that file stays the lab's recipe. Every
check raises one `ValueError` naming what was expected and received.
"""

from nin.initializers import check_init
from nin.standardize import STANDARDIZATIONS

SCHEDULES = ("step", "plateau")


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int_or_none(name, value, minimum):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) \
            or value < minimum:
        raise ValueError(
            f"{name} must be an integer >= {minimum}. Received: {value!r}")


def _fraction(name, value, closed_high=False):
    ok = _number(value) and 0 <= value and (
        value <= 1 if closed_high else value < 1)
    if not ok:
        raise ValueError(
            f"{name} must be in [0, 1{']' if closed_high else ')'}. "
            f"Received: {value!r}")


def check_run_options(config):
    """Validate the extra fields of a `RunConfig`."""
    if config.standardization not in STANDARDIZATIONS:
        raise ValueError(
            f"standardization must be one of {STANDARDIZATIONS}. "
            f"Received: {config.standardization!r}")
    if config.schedule not in SCHEDULES:
        raise ValueError(
            f"schedule must be one of {SCHEDULES}. "
            f"Received: {config.schedule!r}")
    _fraction("validation_split", config.validation_split)
    _fraction("color_jitter", config.color_jitter)
    if not _number(config.pca_lighting) or config.pca_lighting < 0:
        raise ValueError(
            f"pca_lighting must be >= 0. Received: {config.pca_lighting!r}")
    if not _number(config.plateau_factor) \
            or not 0 < config.plateau_factor < 1:
        raise ValueError(
            "plateau_factor must be in (0, 1). "
            f"Received: {config.plateau_factor!r}")
    _int_or_none("plateau_patience", config.plateau_patience, 1)
    if config.plateau_patience is None:
        raise ValueError("plateau_patience must be an integer >= 1")
    _int_or_none("early_stop_patience", config.early_stop_patience, 1)
    _int_or_none("overfit_batches", config.overfit_batches, 1)
    _int_or_none("image_size", config.image_size, 1)
    if config.image_size is None or (
            config.image_size != 32 and config.dataset != "folder"):
        raise ValueError(
            "image_size applies to dataset 'folder' only (the others are "
            f"32x32). Received: image_size={config.image_size!r}, "
            f"dataset={config.dataset!r}")
    check_init(config.init, config.init_std, config.he_init)
    needs_validation = [
        name for name, used in [
            ("schedule='plateau'", config.schedule == "plateau"),
            ("early_stop_patience", config.early_stop_patience is not None),
        ] if used]
    if needs_validation and not config.validation_split > 0:
        raise ValueError(
            f"{' and '.join(needs_validation)} watch the validation "
            "accuracy: give validation_split > 0 (e.g. 0.1) so that the "
            "test set is never used to steer training")
    if config.schedule == "plateau" and config.lr_drops is not None:
        raise ValueError(
            "lr_drops belong to the step schedule; with schedule='plateau' "
            f"leave them out. Received: lr_drops={config.lr_drops!r}")
