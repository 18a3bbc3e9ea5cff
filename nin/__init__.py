"""NIN Lab 4 toolkit: the library behind `labs/`.

    import nin
    model = nin.build_model("nin", activation="elu", batch_norm=True,
                            he_init=True)

Subpackages, each one concern:

    layers/      every Keras layer (Maxout, RReLU, BN, augmentation, ...)
    models/      the registry and the NIN, VGG and MLP builders
    data/        dataset loaders, standardization, splits
    training/    RunConfig, the resumable training loop, run folders
    report/      the lab report: event reading, Table 2, figures
    study/       seed 003's batch-norm study
    evaluation/  saved runs on their test sets (ensembles)
    launch/      many runs as processes (the grid)
    bench/       training-speed benchmarks
    cli/         the command lines that labs/*.py call
    assignment/  the starter kit's public checks, smoke and submission
    quiet_start.py  TensorFlow's native start-up logs kept off the console
    validation.py  the checks of user input, shared by all of them

Importing `nin` registers the toolkit's layers, so saved models load with
`keras.saving.load_model(path, safe_mode=True)`.
"""

from nin.quiet_start import import_backend_quietly

import_backend_quietly()  # before keras: see nin.quiet_start

from nin.layers import Maxout, RReLU, SigmoidPReLU  # noqa: E402
from nin.layers.activations import list_activations  # noqa: E402
from nin.models import build_model, list_models, model_options  # noqa: E402

__all__ = [
    "Maxout",
    "RReLU",
    "SigmoidPReLU",
    "build_model",
    "list_activations",
    "list_models",
    "model_options",
]
