"""The frozen configuration of one training run.

Everything that decides a run's result is a field here; `run_name` is
seed 001's TensorBoard legend name (`None`, `WI`, `BN+WI`, `ELU+BN+WI`,
`LReLU+BN+WI`, `Maxout+BN+WI`, ...; ReLU is unnamed). Models other than
NIN get their name as a prefix (`vgg-ELU+BN`). `to_json` is written into the
run directory as `config.json`.
"""

import dataclasses
from typing import Optional, Tuple

from nin.activations import ACTIVATION_LABELS, check_activation
from nin.data import DATASETS
from nin.precision import resolve_precision
from nin.data import DATA_DIR_DATASETS, DATASETS
from nin.registry import list_models, model_options
from nin.run_options import check_run_options

DEFAULT_MODEL = "nin"
JIT_CHOICES = ("auto", "on", "off")
DISTRIBUTE_CHOICES = ("none", "mirrored")


@dataclasses.dataclass(frozen=True)
class RunConfig:
    model: str = DEFAULT_MODEL
    activation: str = "relu"
    batch_norm: bool = False
    he_init: bool = False
    dataset: str = "cifar10"
    data_dir: Optional[str] = None
    epochs: int = 164
    batch_size: int = 128
    lr: float = 0.1
    lr_drops: Optional[Tuple[int, ...]] = None  # None: scaled from 81, 122
    lr_factor: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    width: float = 1.0
    weight_decay: Optional[float] = None  # None: the model's default
    dropout: Optional[float] = None  # None: the model's default
    pool2: Optional[str] = None  # NIN only; None: "max"
    maxout_pieces: int = 2
    augment: bool = True
    seed: int = 0
    deterministic: bool = False  # TensorFlow op determinism (slower)
    precision: str = "auto"  # auto | fp32 | bf16 | fp16 (mixed)
    jit: str = "auto"  # XLA: auto | on | off
    steps_per_execution: int = 1
    distribute: str = "none"  # none | mirrored (TensorFlow, several GPUs)
    logdir: str = "logs"
    # Beyond Lab 4 (seeds 000, 002, 003, 004); the defaults are seed 001's.
    standardization: str = "channel"  # or "global" (seed 003)
    validation_split: float = 0.0  # hold-out fraction of the training set
    schedule: str = "step"  # or "plateau": x plateau_factor on a plateau
    plateau_factor: float = 0.5
    plateau_patience: int = 5
    early_stop_patience: Optional[int] = None  # epochs without improvement
    init: Optional[str] = None  # named kernel init; None: he_init decides
    init_std: Optional[float] = None  # with init="normal"
    color_jitter: float = 0.0  # ColorJitter strength; 0: off
    pca_lighting: float = 0.0  # PCALighting alpha std; 0: off
    overfit_batches: Optional[int] = None  # sanity mode (seed 002)
    diagnostics: bool = False  # activation/gradient/dead-ReLU summaries
    image_size: int = 32  # dataset "folder" only

    def __post_init__(self):
        check_activation(self.activation)
        if self.model not in list_models():
            raise ValueError(
                f"Unknown model {self.model!r}. Expected one of: "
                f"{', '.join(list_models())}"
            )
        if self.dataset not in DATASETS:
            raise ValueError(
                f"Unknown dataset {self.dataset!r}. Expected one of: "
                f"{', '.join(DATASETS)}"
            )
        if self.data_dir is not None and \
                self.dataset not in DATA_DIR_DATASETS:
            raise ValueError(
                f"--data-dir applies to {', '.join(DATA_DIR_DATASETS)} "
                "only. "
                f"Received: dataset={self.dataset!r}, "
                f"data_dir={self.data_dir!r}"
            )
        # "auto" is resolved here, so config.json records what ran.
        object.__setattr__(self, "precision",
                           resolve_precision(self.precision))
        if self.jit not in JIT_CHOICES:
            raise ValueError(
                f"jit must be one of {JIT_CHOICES}. Received: {self.jit!r}")
        _check_int("steps_per_execution", self.steps_per_execution,
                   minimum=1)
        if self.distribute not in DISTRIBUTE_CHOICES:
            raise ValueError(
                f"distribute must be one of {DISTRIBUTE_CHOICES}. "
                f"Received: {self.distribute!r}")
        _check_int("epochs", self.epochs, minimum=1)
        _check_int("batch_size", self.batch_size, minimum=1)
        _check_int("seed", self.seed, minimum=0)
        _check_int("maxout_pieces", self.maxout_pieces, minimum=2)
        _check_range("lr", self.lr, low=0, low_open=True)
        _check_range("width", self.width, low=0, low_open=True)
        _check_range("momentum", self.momentum, low=0, high=1)
        _check_range("lr_factor", self.lr_factor, low=0, high=1,
                     low_open=True)
        if self.lr_drops is not None:
            object.__setattr__(self, "lr_drops", tuple(self.lr_drops))
        unknown = sorted(set(self.model_kwargs()) - set(
            model_options(self.model)))
        if unknown:
            raise ValueError(
                f"Option(s) {unknown} do not apply to model {self.model!r}. "
                f"It accepts: {sorted(model_options(self.model))}"
            )
        check_run_options(self)

    @property
    def run_name(self):
        parts = [ACTIVATION_LABELS[self.activation]]
        parts += ["BN"] if self.batch_norm else []
        parts += ["WI"] if self.he_init else []
        name = "+".join(p for p in parts if p) or "None"
        if self.overfit_batches:  # never mixed up with the real run
            name += f"-overfit{self.overfit_batches}"
        return name if self.model == DEFAULT_MODEL else f"{self.model}-{name}"

    def model_kwargs(self):
        """Model options the user set (None means the model's default)."""
        options = {"weight_decay": self.weight_decay,
                   "dropout": self.dropout, "pool2": self.pool2}
        options = {k: v for k, v in options.items() if v is not None}
        options["pieces"] = self.maxout_pieces
        return options

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
            if key not in ("logdir", "data_dir")
            and saved.get(key) != current[key]
        ]

    def to_json(self):
        data = dataclasses.asdict(self)
        data["run_name"] = self.run_name
        data["lr_drops"] = list(self.lr_drops) if self.lr_drops else None
        data["model_options"] = {**model_options(self.model),
                                 **self.model_kwargs()}
        return data


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) \
            or value < minimum:
        raise ValueError(
            f"{name} must be an integer >= {minimum}. Received: {value!r}"
        )


def _check_range(name, value, low, high=None, low_open=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (value > low if low_open else value >= low)
    ok = ok and (high is None or value < high)
    if not ok:
        bounds = f"{'>' if low_open else '>='} {low}"
        bounds += f" and < {high}" if high is not None else ""
        raise ValueError(f"{name} must be {bounds}. Received: {value!r}")
