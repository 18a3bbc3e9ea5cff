"""Seed 003's batch-norm study: every experiment, vanilla vs BN, on the MLP
(Table 6.2) and the VGG-style CNN (Table 6.3).

Thesis training (section 6.2): Nesterov SGD, momentum 0.9, batch 64, at
most 100 epochs, learning rate 0.01 halved after 5 epochs without
validation improvement, stop after 20, 10% hold-out validation, global
standardization, no weight decay, no augmentation; Kaiming init for
rectifiers, Xavier for the sigmoid. Each experiment changes one thing:

| group | values |
|---|---|
| activation | sigmoid (Xavier), ReLU (baseline), ELU |
| lr | high 0.1, low 0.001 |
| init | high N(0, 1), low N(0, 0.0001) |
| regularization | dropout 0.5, weight decay 0.0005 |
| batch | 32, 64 (= the baseline run), 128, 256, 512, 1024 |

A run lives in `LOGDIR/DATASET/MODEL/VARIANT/RUN_NAME/`, the run-folder
format of `labs/lab4.py` (resumable, never overwritten).
"""

import dataclasses
from pathlib import Path

from nin.training.config import RunConfig

MODELS = {"mlp": "mlp", "cnn": "vgg"}  # study name -> registry model
GROUPS = ("activation", "lr", "init", "regularization", "batch")
BASELINE = "activation-relu"
THESIS_SETTINGS = dict(
    activation="relu", init="kaiming", lr=0.01, batch_size=64, epochs=100,
    schedule="plateau", plateau_factor=0.5, plateau_patience=5,
    early_stop_patience=20, validation_split=0.1, standardization="global",
    augment=False, weight_decay=0.0, dropout=0.0, momentum=0.9,
    nesterov=True,
)

# (variant, group, thesis parameter, thesis value, settings)
VARIANTS = (
    ("activation-sigmoid", "activation", "Activation function", "sigmoid",
     dict(activation="sigmoid", init="xavier")),
    (BASELINE, "activation", "Activation function", "ReLU", {}),
    ("activation-elu", "activation", "Activation function", "ELU",
     dict(activation="elu")),
    ("lr-high", "lr", "Initial learning rate", "high", dict(lr=0.1)),
    ("lr-low", "lr", "Initial learning rate", "low", dict(lr=0.001)),
    ("init-high", "init", "Weight initialization", "high",
     dict(init="normal", init_std=1.0)),
    ("init-low", "init", "Weight initialization", "low",
     dict(init="normal", init_std=0.0001)),
    ("dropout", "regularization", "Regularization", "dropout",
     dict(dropout=0.5)),
    ("weight-decay", "regularization", "Regularization", "w. decay",
     dict(weight_decay=0.0005)),
) + tuple(
    (f"batch-{size}", "batch", "Batch size", str(size),
     dict(batch_size=size)) for size in (32, 64, 128, 256, 512, 1024)
)
SAME_RUN = {"batch-64": BASELINE}  # identical settings: trained once


@dataclasses.dataclass(frozen=True)
class StudyRun:
    model: str  # "mlp" or "cnn"
    variant: str
    group: str
    parameter: str
    value: str
    batch_norm: bool
    config: RunConfig

    @property
    def network(self):
        return "BN" if self.batch_norm else "vanilla"

    @property
    def run_dir(self):
        return Path(self.config.logdir) / self.config.run_name


def list_variants():
    return [variant for variant, *_ in VARIANTS]


def study_runs(logdir, dataset="digits", data_dir=None, models=tuple(MODELS),
               groups=GROUPS, variants=None, epochs=100, width=1.0, seed=0,
               diagnostics=False):
    """Every StudyRun selected, vanilla then BN for each variant."""
    for name, allowed, selected in [("model", MODELS, models),
                                    ("group", GROUPS, groups),
                                    ("variant", list_variants(),
                                     variants or [])]:
        unknown = sorted(set(selected) - set(allowed))
        if unknown:
            raise ValueError(
                f"Unknown {name}(s) {unknown}. Expected some of: "
                f"{', '.join(allowed)}")
    runs = []
    for model in models:
        for variant, group, parameter, value, settings in VARIANTS:
            if group not in groups or (variants and variant not in variants):
                continue
            folder = SAME_RUN.get(variant, variant)
            for batch_norm in (False, True):
                config = RunConfig(**{
                    **THESIS_SETTINGS, **settings, "model": MODELS[model],
                    "batch_norm": batch_norm, "dataset": dataset,
                    "data_dir": data_dir, "epochs": epochs, "width": width,
                    "seed": seed, "diagnostics": diagnostics,
                    "logdir": str(Path(logdir) / dataset / model / folder),
                })
                runs.append(StudyRun(model, variant, group, parameter, value,
                                     batch_norm, config))
    return runs


def describe(run):
    """One line of `--list`: what changes and where the run goes."""
    config = run.config
    init = config.init + (f"({config.init_std:g})" if config.init_std
                          else "")
    return (f"{run.model:<4} {run.variant:<19} {run.network:<7} "
            f"act={config.activation:<7} lr={config.lr:<6g} "
            f"init={init:<14} batch={config.batch_size:<5} "
            f"dropout={config.dropout:g} wd={config.weight_decay:g}  "
            f"{run.run_dir}")
