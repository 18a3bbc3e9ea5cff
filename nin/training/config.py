"""The frozen configuration of one training run, and its flags.

Everything that decides a run's result is a field of `RunConfig`. Each
field declares, in one place, its default, the check of its values
(`nin.validation`) and, if the user can set it, its `labs/lab4.py` flag
and help: the command line is built from these declarations
(`nin.cli.run_flags`), so a new training option is a field here plus its
line in the README, nothing else. Defaults are seed 001's recipe; the
fields marked `beyond` serve seeds 000, 002, 003 and 004.

`run_name` is seed 001's TensorBoard legend name (`None`, `WI`, `BN+WI`,
`ELU+BN+WI`, `LReLU+BN+WI`, `Maxout+BN+WI`, ...; ReLU is unnamed; other
models get their name as a prefix, `vgg-ELU+BN`); the rule is
`run_name()`, used everywhere a run's folder is named. `to_json` is
written into the run folder as `config.json` and `from_json` reads it
back. Building a config touches no hardware: precision "auto" is decided
when training starts (`nin.training.runtime.resolved`).
"""

import dataclasses
import os
from typing import Optional, Tuple

from callbacks.schedules import check_drops
from nin.data import DATA_DIR_DATASETS, DATASETS
from nin.data.standardize import STANDARDIZATIONS
from nin.layers.activations import (
    ACTIVATION_LABELS,
    activation_label,
    list_activations,
)
from nin.models import list_models, model_options
from nin.models.initializers import INIT_SCHEMES, check_init
from nin.models.network_in_network import POOL_TYPES
from nin.models.precision import PRECISIONS
from nin.validation import (
    BOOLEAN,
    FRACTION,
    INT_AT_LEAST_TWO,
    NON_NEGATIVE,
    NON_NEGATIVE_INT,
    OPEN_FRACTION,
    POSITIVE,
    POSITIVE_INT,
    TEXT,
    Check,
    choice,
)

DEFAULT_MODEL = "nin"
PRECISION_CHOICES = ("auto", *PRECISIONS)
JIT_CHOICES = ("auto", "on", "off")
DISTRIBUTE_CHOICES = ("none", "mirrored")
SCHEDULES = ("step", "plateau")
PATHS = ("logdir", "data_dir")  # may differ when a run moves machines


def _is_drops(value):
    return isinstance(value, tuple) and bool(value) and check_drops(value)


LR_DROPS = Check("increasing epochs like 81,122", _is_drops,
                 lambda text: tuple(int(part) for part in text.split(",")))


def option(default, flag=None, *, check=None, choices=None, help=None,
           beyond=False, **argparse_settings):
    """A RunConfig field: its default, the check of its values (a
    `nin.validation.Check`, or `choices`: a tuple or a function returning
    one), and its lab4.py flag with `help` (None: no flag; booleans
    become `--x/--no-x` when their default is True or they are lab
    switches, see `nin.cli.run_flags`). `beyond`: listed under "beyond Lab
    4" in --help."""
    return dataclasses.field(default=default, metadata={
        "flag": flag, "check": check, "choices": choices, "help": help,
        "beyond": beyond, "argparse": argparse_settings})


@dataclasses.dataclass(frozen=True)
class RunConfig:
    model: str = option(
        DEFAULT_MODEL, "--model", choices=list_models,
        help="nin (seed 001 Table 1), vgg (seed 003 Table 6.3), mlp "
             "(seed 003 Table 6.2)")
    activation: str = option(
        "relu", "--act", choices=list_activations,
        help="activation after every conv (default relu)")
    batch_norm: bool = option(
        False, "--bn", check=BOOLEAN,
        help="batch normalization between conv and activation")
    he_init: bool = option(
        False, "--wi", check=BOOLEAN,
        help="He weight init (else N(0,0.01) first conv, N(0,0.05) others)")
    dataset: str = option("cifar10", "--dataset", choices=DATASETS)
    data_dir: Optional[str] = option(
        None, "--data-dir", check=TEXT,
        help="folder with the dataset's files (CIFAR: the python-format "
             "archive or its extracted folder)")
    epochs: int = option(164, "--epochs", check=POSITIVE_INT)
    batch_size: int = option(128, "--batch-size", check=POSITIVE_INT)
    lr: float = option(0.1, "--lr", check=POSITIVE,
                       help="initial learning rate (default 0.1)")
    lr_drops: Optional[Tuple[int, ...]] = option(
        None, "--lr-drops", check=LR_DROPS,
        help="epochs where the LR is divided by 10 (default: 81,122 scaled "
             "to --epochs, i.e. exactly 81,122 at 164 epochs)")
    lr_factor: float = option(0.1, check=OPEN_FRACTION)
    momentum: float = option(0.9, check=FRACTION)
    nesterov: bool = option(True, check=BOOLEAN)
    width: float = option(
        1.0, "--width", check=POSITIVE,
        help="multiplier of every hidden channel count (default 1.0)")
    weight_decay: Optional[float] = option(
        None, "--weight-decay", check=NON_NEGATIVE, beyond=True,
        help="L2 strength on kernels (default: the model's)")
    dropout: Optional[float] = option(
        None, "--dropout", check=FRACTION, beyond=True,
        help="dropout rate (default: the model's)")
    pool2: Optional[str] = option(
        None, "--pool2", choices=POOL_TYPES,
        help="NIN's second pooling (default max, as the assignment says)")
    maxout_pieces: int = option(2, "--pieces", check=INT_AT_LEAST_TWO,
                                help="Maxout pieces per unit (default 2)")
    augment: bool = option(
        True, "--augment", check=BOOLEAN,
        help="pad-crop-flip augmentation of training images")
    seed: int = option(0, "--seed", check=NON_NEGATIVE_INT)
    deterministic: bool = option(
        False, "--deterministic", check=BOOLEAN,
        help="deterministic TensorFlow ops: bit-identical reruns (slower)")
    precision: str = option(
        "auto", "--precision", choices=PRECISION_CHOICES,
        help="mixed bf16/fp16 (float32 weights and softmax) or fp32; auto: "
             "bf16 where the GPU/CPU computes it natively (on a CPU only "
             "for models of at least 3e9 multiply-adds per step), else fp32")
    jit: str = option(
        "auto", "--jit", choices=JIT_CHOICES,
        help="XLA compilation; auto = Keras's choice, off for TensorFlow "
             "on a CPU (measured slower there)")
    steps_per_execution: int = option(
        1, "--steps-per-execution", check=POSITIVE_INT,
        help="train steps per compiled call (fewer host round trips)")
    distribute: str = option(
        "none", "--distribute", choices=DISTRIBUTE_CHOICES,
        help="mirrored: TensorFlow MirroredStrategy over all GPUs; "
             "--batch-size stays the global batch")
    logdir: str = option("logs", "--logdir", check=TEXT,
                         help="parent of run folders (logs)")
    standardization: str = option(
        "channel", "--standardization", choices=STANDARDIZATIONS,
        beyond=True,
        help="channel (seed 001) or global (seed 003) statistics")
    validation_split: float = option(
        0.0, "--validation-split", check=FRACTION, beyond=True,
        help="hold out this fraction of the training set, evaluated each "
             "epoch instead of the test set (seed 003: 0.1)")
    schedule: str = option(
        "step", "--schedule", choices=SCHEDULES, beyond=True,
        help="step (--lr-drops) or plateau: LR x --plateau-factor after "
             "--plateau-patience epochs without validation improvement")
    plateau_factor: float = option(0.5, "--plateau-factor",
                                   check=OPEN_FRACTION, beyond=True)
    plateau_patience: int = option(5, "--plateau-patience",
                                   check=POSITIVE_INT, beyond=True)
    early_stop_patience: Optional[int] = option(
        None, "--early-stop-patience", check=POSITIVE_INT, beyond=True,
        help="stop after this many epochs without validation improvement")
    init: Optional[str] = option(
        None, "--init", choices=INIT_SCHEMES, beyond=True,
        help="kernel init scheme instead of --wi (normal needs --init-std)")
    init_std: Optional[float] = option(None, "--init-std", check=POSITIVE,
                                       beyond=True)
    color_jitter: float = option(
        0.0, "--color-jitter", check=FRACTION, beyond=True, nargs="?",
        const=0.4, metavar="S",
        help="brightness/contrast/saturation jitter strength (0.4 if "
             "given alone; default off)")
    pca_lighting: float = option(
        0.0, "--pca-lighting", check=NON_NEGATIVE, beyond=True, nargs="?",
        const=0.1, metavar="STD",
        help="AlexNet PCA lighting, alpha std (0.1 if given alone)")
    overfit_batches: Optional[int] = option(
        None, "--overfit-batches", check=POSITIVE_INT, beyond=True,
        help="sanity mode: train on the first N batches without "
             "augmentation; should reach ~100%% training accuracy")
    diagnostics: bool = option(
        False, "--diagnostics", check=BOOLEAN, beyond=True,
        help="TensorBoard activation stats, dead ReLUs, gradient norms")
    image_size: int = option(
        32, "--image-size", check=POSITIVE_INT, beyond=True,
        help="image side for --dataset folder (default 32)")

    def __post_init__(self):
        for name in PATHS:  # Path objects are welcome; stored as text
            value = getattr(self, name)
            if isinstance(value, os.PathLike):
                object.__setattr__(self, name, os.fspath(value))
        if isinstance(self.lr_drops, list):
            object.__setattr__(self, "lr_drops", tuple(self.lr_drops))
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None and field.default is None:
                continue  # an optional setting left to its default
            check, choices = field.metadata["check"], \
                field.metadata["choices"]
            if check is not None:
                check(field.name, value)
            if choices is not None:
                choice(field.name, value,
                       choices() if callable(choices) else choices)
        self._check_combinations()

    def _check_combinations(self):
        if self.data_dir is not None and \
                self.dataset not in DATA_DIR_DATASETS:
            raise ValueError(
                f"--data-dir applies to {', '.join(DATA_DIR_DATASETS)} "
                f"only. Received: dataset={self.dataset!r}, "
                f"data_dir={self.data_dir!r}")
        unknown = sorted(set(self.model_kwargs()) - set(
            model_options(self.model)))
        if unknown:
            raise ValueError(
                f"Option(s) {unknown} do not apply to model {self.model!r}. "
                f"It accepts: {sorted(model_options(self.model))}")
        if self.image_size != 32 and self.dataset != "folder":
            raise ValueError(
                "image_size applies to dataset 'folder' only (the others are "
                f"32x32). Received: image_size={self.image_size!r}, "
                f"dataset={self.dataset!r}")
        check_init(self.init, self.init_std, self.he_init)
        needs_validation = [
            name for name, used in [
                ("schedule='plateau'", self.schedule == "plateau"),
                ("early_stop_patience", self.early_stop_patience is not None),
            ] if used]
        if needs_validation and not self.validation_split > 0:
            raise ValueError(
                f"{' and '.join(needs_validation)} watch the validation "
                "accuracy: give validation_split > 0 (e.g. 0.1) so that the "
                "test set is never used to steer training")
        if self.schedule == "plateau" and self.lr_drops is not None:
            raise ValueError(
                "lr_drops belong to the step schedule; with "
                "schedule='plateau' leave them out. "
                f"Received: lr_drops={self.lr_drops!r}")

    @property
    def run_name(self):
        return run_name(self.activation, self.batch_norm, self.he_init,
                        self.model, self.overfit_batches)

    def model_kwargs(self):
        """Model options the user set (None means the model's default)."""
        options = {"weight_decay": self.weight_decay,
                   "dropout": self.dropout, "pool2": self.pool2}
        options = {k: v for k, v in options.items() if v is not None}
        options["pieces"] = self.maxout_pieces
        return options

    def hparams(self):
        """The run's hyperparameters as TensorBoard's HParams dashboard
        lists them (`callbacks.hparams`)."""
        return {
            "activation": activation_label(self.activation),
            "BN": bool(self.batch_norm),
            "WI": bool(self.he_init),
            "model": self.model,
            "dataset": self.dataset,
            "seed": int(self.seed),
            "width": float(self.width),
            "epochs": int(self.epochs),
            "lr": float(self.lr),
        }

    def differences(self, saved):
        """Settings that differ from a saved config.json, as text.

        Paths (`logdir`, `data_dir`) may differ: the same data can live
        elsewhere when a run is resumed on another machine. A setting that
        a config.json predates counts as its default.
        """
        current = self.to_json()
        defaults = {field.name: field.default
                    for field in dataclasses.fields(self)}
        saved = {**defaults, **saved}
        return [
            f"{key}: {saved.get(key)!r} (saved) vs {current[key]!r} (now)"
            for key in current
            if key not in PATHS and saved.get(key) != current[key]
        ]

    def to_json(self):
        data = dataclasses.asdict(self)
        data["run_name"] = self.run_name
        data["lr_drops"] = list(self.lr_drops) if self.lr_drops else None
        data["model_options"] = {**model_options(self.model),
                                 **self.model_kwargs()}
        return data

    @classmethod
    def from_json(cls, data, **changes):
        """The RunConfig a config.json holds (what it records beyond the
        fields is left out), with `changes` applied: e.g. `data_dir` where
        the data now lives."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{**{key: value for key, value in data.items()
                         if key in names}, **changes})


def run_name(activation, batch_norm, he_init, model=DEFAULT_MODEL,
             overfit_batches=None):
    """The run's name and folder: seed 001's legend (`ELU+BN+WI`, `None`
    for plain ReLU), prefixed for models other than NIN (`vgg-ELU+BN`),
    suffixed in sanity mode so it never mixes with the real run."""
    parts = [ACTIVATION_LABELS[activation]]
    parts += ["BN"] if batch_norm else []
    parts += ["WI"] if he_init else []
    name = "+".join(part for part in parts if part) or "None"
    if overfit_batches:
        name += f"-overfit{overfit_batches}"
    return name if model == DEFAULT_MODEL else f"{model}-{name}"
