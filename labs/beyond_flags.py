"""lab4.py's flags beyond the lab (seeds 000, 002, 003, 004).

Kept out of `lab4.py` so that the lab's own entry point stays small.
Every default reproduces seed 001's recipe exactly; `beyond_lab4_settings`
turns the parsed flags into `RunConfig` fields.
"""

from cli_types import (
    fraction,
    non_negative_float,
    positive_float,
    positive_int,
)


def add_beyond_lab4_flags(parser):
    """Seeds 000/002/003/004 options; defaults keep seed 001's recipe."""
    from nin.initializers import INIT_SCHEMES
    from nin.run_options import SCHEDULES
    from nin.standardize import STANDARDIZATIONS

    add = parser.add_argument_group("beyond Lab 4").add_argument
    add("--standardization", default="channel", choices=STANDARDIZATIONS,
        help="channel (seed 001) or global (seed 003) statistics")
    add("--validation-split", type=fraction, default=0.0,
        help="hold out this fraction of the training set, evaluated each "
             "epoch instead of the test set (seed 003: 0.1)")
    add("--schedule", default="step", choices=SCHEDULES,
        help="step (--lr-drops) or plateau: LR x --plateau-factor after "
             "--plateau-patience epochs without validation improvement")
    add("--plateau-factor", type=fraction, default=0.5)
    add("--plateau-patience", type=positive_int, default=5)
    add("--early-stop-patience", type=positive_int, default=None,
        help="stop after this many epochs without validation improvement")
    add("--init", default=None, choices=INIT_SCHEMES,
        help="kernel init scheme instead of --wi (normal needs --init-std)")
    add("--init-std", type=positive_float, default=None)
    add("--dropout", type=fraction, default=None,
        help="dropout rate (default: the model's)")
    add("--weight-decay", type=non_negative_float, default=None,
        help="L2 strength on kernels (default: the model's)")
    add("--color-jitter", type=fraction, nargs="?", const=0.4, default=0.0,
        help="brightness/contrast/saturation jitter strength (0.4 if "
             "given alone; default off)")
    add("--pca-lighting", type=non_negative_float, nargs="?", const=0.1,
        default=0.0,
        help="AlexNet PCA lighting, alpha std (0.1 if given alone)")
    add("--overfit-batches", type=positive_int, default=None,
        help="sanity mode: train on the first N batches without "
             "augmentation; should reach ~100%% training accuracy")
    add("--diagnostics", action="store_true",
        help="TensorBoard activation stats, dead ReLUs, gradient norms")
    add("--image-size", type=positive_int, default=32,
        help="image side for --dataset folder (default 32)")


def beyond_lab4_settings(args):
    """The RunConfig fields of the flags above."""
    names = ("standardization", "validation_split", "schedule",
             "plateau_factor", "plateau_patience", "early_stop_patience",
             "init", "init_std", "dropout", "weight_decay", "color_jitter",
             "pca_lighting", "overfit_batches", "diagnostics", "image_size")
    return {name: getattr(args, name) for name in names}
