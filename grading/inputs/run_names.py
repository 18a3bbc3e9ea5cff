"""A lab run's name from a folder or file name, as students spell it.

Seed 001's legend names the runs `None`, `WI`, `BN`, `BN+WI`, `ELU`, ...,
`Maxout+BN+WI` (`nin.training.config.run_name`, the one rule). Students
spell them their own way: `ELU+BN+WI`, `elu_bn_wi`, `elu-bn-wi`,
`relu_bn`, `ReLU BN`, `BN_ELU`, `nin_elu_bn_wi.keras`. `parse_run_name`
splits a name into tokens at `+ _ - . ,` and spaces, in any case and any
order, and reads:

- an activation (`relu`, `elu`, `lrelu` / `leaky relu` / `leakyrelu`,
  `maxout`, and every other activation our toolkit names); ReLU when no
  activation is named (`None`, `BN`, `WI`);
- `bn` / `batchnorm` / `batch norm` for batch normalization, `wi` / `he`
  / `he init` / `heinit` for He initialization; `no` before one of them
  (`no_bn`, `nobn`) says it is off;
- filler words that say nothing about the run (`nin`, `model`, `run`,
  `final`, `best`, `logs`, `keras`, numbers, ...).

Any other word, or two activations, and the name is not a run's: None.
The result is the canonical legend name, so `elu_bn_wi` and `BN+ELU+WI`
are both `ELU+BN+WI`.
"""

import re

from nin.layers.activations import ACTIVATION_LABELS
from nin.training.config import run_name

SEPARATORS = re.compile(r"[+_\-.,\s]+")
ACTIVATION_WORDS = {
    **{name: name for name in ACTIVATION_LABELS},
    **{label.lower(): name for name, label in ACTIVATION_LABELS.items()
       if label},
    "leakyrelu": "lrelu", "leaky": "lrelu", "lrelu": "lrelu",
}
BN_WORDS = ("bn", "batchnorm", "batchnormalization")
WI_WORDS = ("wi", "he", "heinit", "henormal")
# Words that say nothing about the run; "norm", "init" and "relu" follow
# "batch", "he" and "leaky" in the spellings above.
FILLER = {"nin", "model", "models", "run", "runs", "final", "best",
          "last", "logs", "log", "keras", "h5", "hdf5", "weights", "tf",
          "lab", "lab4", "cifar", "cifar10", "digits", "checkpoint",
          "trained", "network", "init", "norm", "batch", "with", "and",
          "saved", "savedmodel", "history", "results", "v2", "v3"}
NUMBER = re.compile(r"^(v|e|ep|epoch|run|model)?\d+$")


def tokens(name):
    return [token for token in SEPARATORS.split(str(name).lower())
            if token]


def parse_run_name(name):
    """The lab run's legend name (`ELU+BN+WI`) that `name` spells, or
    None when it does not name a run."""
    activation, batch_norm, he_init = None, False, False
    words = tokens(name)
    if not words:
        return None
    negate = False
    recognized = False
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        index += 1
        if word == "no" or word == "without":
            negate = True
            continue
        for prefix in ("no", "without"):
            if word.startswith(prefix) and word[len(prefix):] in (
                    *BN_WORDS, *WI_WORDS):
                negate, word = True, word[len(prefix):]
        if word == "leaky" and following == "relu":
            index += 1
        if word == "none":
            recognized = True
        elif word in BN_WORDS or (word == "batch" and following == "norm"):
            batch_norm, recognized = not negate, True
        elif word in WI_WORDS:
            he_init, recognized = not negate, True
        elif word in ACTIVATION_WORDS:
            found = ACTIVATION_WORDS[word]
            if activation is not None and activation != found:
                return None  # two activations: not one run
            activation, recognized = found, True
        elif word in FILLER or NUMBER.match(word):
            pass
        else:
            return None
        negate = False
    if not recognized:
        return None
    return run_name(activation or "relu", batch_norm, he_init)
