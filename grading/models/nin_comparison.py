"""A student's own model compared with the lab's NIN, in plain words.

    compare(student, required) -> {"differences": [text], "detected":
        {"activation", "bn", "he_init"}, "width": float, "summary": text}

`student` is `grading.models.saved_model.read_saved_model`'s dict (its
layers with their configs); `required` a run's settings (`activation`,
`batch_norm`, `he_init`, from the run name; `num_classes` optional).

The lab's NIN is not restated here: it is built by `nin.models` for the
run's activation and BN and read back through the same reader as the
student's file (`grading.models.layer_graph`), so its blocks, kernels,
pools, dropout, BN placement and activations are the toolkit's own.
Pool 2 may be max or average (`POOL_TYPES`: the assignment text and the
reference code differ) and Maxout may have any number of pieces (a model
option), so the reference takes the student's choice of those.

Students reduce the width, so the width is found, not assumed: the
factor w for which `nin.models.blocks.scale_width(NIN's filters, w)`
matches the most convs. Filter counts are compared at that width ("conv
2: 12 filters, NIN at width 0.0833 has 13"); the class map (the last
conv) has one map per class and is not scaled. The layers are aligned
with difflib, so a missing or extra layer is one line, not a cascade.

`detected` is what the file says the student ran: the activation most
convs have (relu, elu, lrelu, maxout, else its name; None where nothing
says), BN (any BatchNormalization), and He init: True where every saved
kernel initializer is He (VarianceScaling with scale 2 over fan_in or
fan_out, HeNormal / HeUniform / he_normal / he_uniform), False where one
is not, None where none was saved or one is a custom object.
"""

import collections
import difflib
import functools
import json
import math
import re

from grading.models import layer_graph
from grading.models.inspect_model import initializer_of
from grading.models.saved_model import _layers as layers_of_config
from nin.layers.activations import DEFAULT_MAXOUT_PIECES, list_activations
from nin.models.blocks import scale_width
from nin.models.network_in_network import POOL_TYPES

WEIGHTED = frozenset({"Conv2D", "Convolution2D", "Dense"})
HE_INITIALIZERS = frozenset({"henormal", "heuniform"})
OTHER_INITIALIZERS = frozenset({
    "glorotuniform", "glorotnormal", "randomnormal", "randomuniform",
    "truncatednormal", "zeros", "zero", "ones", "one", "constant",
    "orthogonal", "identity", "lecunnormal", "lecununiform", "normal",
    "uniform"})
HE_SCALE = 2.0
MAX_CLASSES = 1000
DEFAULT_CLASSES = 10
BN_PLACEMENT = "conv -> BN -> activation"


def compare(student, required):
    _check(student, required)
    layers = layer_graph.flatten(student["layers"])
    found, notes = layer_graph.stages(layers)
    convs = [stage for stage in found if stage["kind"] == "conv"]
    reference = reference_stages(
        required["activation"], required["batch_norm"],
        _pool2(found), _classes(found, required))
    width, differences = _differences(reference, found)
    ours = next(stage for stage in reversed(reference)
                if stage["kind"] == "conv")
    summary = (f"{len(convs)} convs compared with the lab's NIN for this "
               f"run ({_acts_text(ours)}, "
               f"{'BN' if required['batch_norm'] else 'no BN'}) at width "
               f"{width:.3g}")
    return {"differences": differences + notes, "summary": summary,
            "width": width, "detected": {
                "activation": detected_activation(convs),
                "bn": any(layer["class"] == "BatchNormalization"
                          for layer in layers),
                "he_init": detected_he_init(layers)}}


def _check(student, required):
    if not isinstance(student, dict) or not isinstance(
            student.get("layers"), list) or not all(
                isinstance(layer, dict) and isinstance(layer.get("config"),
                                                       dict)
                for layer in student["layers"]):
        raise ValueError(
            "Expected a student model as read_saved_model returns it (a "
            "dict whose 'layers' have configs). Received: "
            f"{type(student).__name__} {str(student)[:80]}")
    if not isinstance(required, dict) or required.get("activation") not \
            in list_activations() or not all(
                isinstance(required.get(key), bool)
                for key in ("batch_norm", "he_init")):
        raise ValueError(
            "Expected the run's settings {'activation': one of "
            f"{list_activations()}, 'batch_norm': bool, 'he_init': bool}}."
            f" Received: {required!r}"[:400])


def _pool2(found):
    pools = [stage for stage in found if stage["kind"] == "pool"]
    if len(pools) >= 2 and pools[1]["type"] in POOL_TYPES:
        return pools[1]["type"]
    return POOL_TYPES[0]


def _classes(found, required):
    """The class count: the run's where given, else the student's class
    map (the last conv), else the lab's CIFAR-10."""
    given = required.get("num_classes")
    if isinstance(given, int) and 2 <= given <= MAX_CLASSES:
        return given
    convs = [stage for stage in found if stage["kind"] == "conv"]
    units = layer_graph.conv_units(convs[-1]) if convs else None
    if isinstance(units, int) and 2 <= units <= MAX_CLASSES:
        return units
    return DEFAULT_CLASSES


@functools.lru_cache(maxsize=32)
def _reference(activation, batch_norm, pool2, classes):
    import keras

    from nin.models import build_model

    model = build_model("nin", activation=activation, batch_norm=batch_norm,
                        he_init=True, num_classes=classes, pool2=pool2,
                        pieces=DEFAULT_MAXOUT_PIECES)
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(
        model)))
    found, notes = layer_graph.stages(layers_of_config(config))
    assert not notes, notes  # our own model says everything
    return json.dumps(found)


def reference_stages(activation, batch_norm, pool2, classes):
    """The stages of the lab's NIN at width 1 (a fresh copy)."""
    return json.loads(_reference(activation, batch_norm, pool2, classes))


# ---- alignment ----

def _keys(found):
    last = max((index for index, stage in enumerate(found)
                if stage["kind"] == "conv"), default=None)
    keys = []
    for index, stage in enumerate(found):
        if stage["kind"] == "conv":
            keys.append("class map" if index == last
                        else f"conv {stage['kernel']}")
        else:
            keys.append(stage["kind"])
    return keys


def _events(reference, found):
    """[("pair", ours, theirs) | ("missing", ours, None) | ("extra",
    None, theirs)] in order."""
    ours_keys, their_keys = _keys(reference), _keys(found)
    events = []
    matcher = difflib.SequenceMatcher(None, ours_keys, their_keys,
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            events += [("pair", reference[i], found[j])
                       for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        ours, theirs = reference[i1:i2], found[j1:j2]
        kinds = difflib.SequenceMatcher(
            None, [stage["kind"] for stage in ours],
            [stage["kind"] for stage in theirs], autojunk=False)
        for sub, a1, a2, b1, b2 in kinds.get_opcodes():
            if sub == "equal":
                events += [("pair", ours[a], theirs[b])
                           for a, b in zip(range(a1, a2), range(b1, b2))]
            else:
                events += [("missing", stage, None) for stage in ours[a1:a2]]
                events += [("extra", None, stage)
                           for stage in theirs[b1:b2]]
    return events


def find_width(pairs):
    """The w that makes scale_width(NIN's units, w) match the most of
    `pairs` [(NIN's units at width 1, the student's)], in conv order."""
    pairs = [(ours, theirs) for ours, theirs in pairs
             if isinstance(theirs, int) and theirs > 0]
    candidates = [(1.0, -1)]
    for origin, (ours, theirs) in enumerate(pairs):
        for shift in (0.0, -0.49, 0.49):
            exact = (theirs + shift) / ours
            candidates += [(round(exact, digits), origin)
                           for digits in (2, 3, 4)
                           if round(exact, digits) > 0]
            candidates.append((exact, origin))
    # The most matches; of those, the one the earliest conv gives, and
    # the shortest to write (0.1, not 0.099).
    width, _ = max(candidates, key=lambda candidate: (sum(
        scale_width(ours, candidate[0]) == theirs
        for ours, theirs in pairs), -candidate[1],
        -len(f"{candidate[0]:.6g}")))
    return width


def _maxout_pieces(stage):
    return next((act["pieces"] for act in stage["acts"]
                 if act["kind"] == "maxout"), None)


def _acts_text(stage):
    return " then ".join(act["text"] for act in stage["acts"]) or \
        "no activation"


def _same_acts(ours, theirs):
    if [act["kind"] for act in ours["acts"]] == ["maxout"] == [
            act["kind"] for act in theirs["acts"]]:
        return True  # any number of pieces is a lab option
    return _acts_text(ours) == _acts_text(theirs)


def _named(theirs, ours):
    shown = layer_graph.label(theirs)
    if ours.get("number") != theirs.get("number"):
        shown += f" (NIN's {layer_graph.label(ours)})"
    return shown


def _sizes(values):
    return "x".join(str(value) for value in values) if values else "?"


class _Expected:
    """NIN's filter counts at the width found."""

    def __init__(self, reference, width):
        self.width = width
        self.class_map = next(stage for stage in reversed(reference)
                              if stage["kind"] == "conv")
        self.at = "" if width == 1.0 else f" at width {width:.3g}"

    def units(self, ours):
        units = layer_graph.conv_units(ours)
        return units if ours is self.class_map else scale_width(
            units, self.width)

    def filters(self, ours, pieces=None):
        pieces = pieces or _maxout_pieces(ours) or 1
        return self.units(ours) * pieces

    def compare_conv(self, ours, theirs):
        name = _named(theirs, ours)
        lines = []
        their_pieces = _maxout_pieces(theirs)
        if (their_pieces is None) == (_maxout_pieces(ours) is None):
            expected = self.filters(ours, their_pieces)
            if theirs["filters"] != expected:
                lines.append(f"{name}: {theirs['filters']} filters, NIN"
                             f"{self.at} has {expected}")
        else:
            units = layer_graph.conv_units(theirs)
            if units != self.units(ours):
                lines.append(f"{name}: {units} output channels, NIN"
                             f"{self.at} has {self.units(ours)}")
        for field, word in (("kernel", "kernel"), ("strides", "stride"),
                            ("dilation", "dilation")):
            if theirs[field] != ours[field]:
                lines.append(f"{name}: {word} {_sizes(theirs[field])}, "
                             f"NIN has {_sizes(ours[field])}")
        if theirs["padding"] != ours["padding"]:
            lines.append(f"{name}: padding {theirs['padding']}, NIN has "
                         f"{ours['padding']}")
        return lines


def _compare_pool(ours, theirs):
    name = _named(theirs, ours)
    lines = []
    if theirs["type"] != ours["type"]:
        lines.append(f"{name}: {theirs['type']}-pooling, NIN has "
                     f"{ours['type']}-pooling")
    for field, word in (("size", "size"), ("strides", "stride")):
        if theirs[field] != ours[field]:
            lines.append(f"{name}: {word} {_sizes(theirs[field])}, NIN has "
                         f"{_sizes(ours[field])}")
    if theirs["padding"] != ours["padding"]:
        lines.append(f"{name}: padding {theirs['padding']}, NIN has "
                     f"{ours['padding']}")
    return lines


def _compare_dropout(ours, theirs):
    name = _named(theirs, ours)
    if theirs["class"] != ours["class"]:
        return [f"{name}: {theirs['class']}, NIN has {ours['class']}"]
    if not layer_graph.close(theirs["rate"], ours["rate"]):
        rate = "?" if theirs["rate"] is None else f"{theirs['rate']:g}"
        return [f"{name}: rate {rate}, NIN has {ours['rate']:g}"]
    return []


def _convs(numbers, total):
    if len(numbers) == total > 1:
        return "every conv"
    if len(numbers) == 1:
        return f"conv {numbers[0]}"
    return f"convs {', '.join(str(number) for number in numbers)}"


BN_WORDS = {
    (None, "before"): f"no BN, NIN has {BN_PLACEMENT}",
    ("before", None): "BN, the run has none",
    ("after", None): "BN, the run has none",
    ("after", "before"): f"BN after the activation, NIN has {BN_PLACEMENT}",
}


def _grouped(conv_pairs):
    """One line per kind of activation or BN difference across convs."""
    activations = collections.defaultdict(list)
    bns = collections.defaultdict(list)
    checked = [(ours, theirs) for ours, theirs in conv_pairs
               if not theirs["unknown"]]
    for ours, theirs in checked:
        if not _same_acts(ours, theirs):
            activations[(_acts_text(theirs), _acts_text(ours))].append(
                theirs["number"])
    for ours, theirs in conv_pairs:
        if theirs["bn"] != ours["bn"]:
            bns[(theirs["bn"], ours["bn"])].append(theirs["number"])
    lines = []
    for (theirs, ours), numbers in activations.items():
        where = _convs(numbers, len(checked))
        verb = "the run needs" if where == "every conv" else "NIN has"
        lines.append(f"{where}: {theirs}, {verb} {ours}")
    for key, numbers in bns.items():
        lines.append(f"{_convs(numbers, len(conv_pairs))}: {BN_WORDS[key]}")
    return lines


def _differences(reference, found):
    events = _events(reference, found)
    conv_pairs = [(ours, theirs) for kind, ours, theirs in events
                  if kind == "pair" and ours["kind"] == "conv"]
    class_map = next(stage for stage in reversed(reference)
                     if stage["kind"] == "conv")
    width = find_width([(layer_graph.conv_units(ours),
                         layer_graph.conv_units(theirs))
                        for ours, theirs in conv_pairs
                        if ours is not class_map])
    expected = _Expected(reference, width)
    lines, previous, index = [], "the input", 0
    while index < len(events):
        kind, ours, theirs = events[index]
        if kind == "pair":
            if ours["kind"] == "conv":
                lines += expected.compare_conv(ours, theirs)
            elif ours["kind"] == "pool":
                lines += _compare_pool(ours, theirs)
            elif ours["kind"] == "dropout":
                lines += _compare_dropout(ours, theirs)
            previous = layer_graph.label(theirs)
            index += 1
            continue
        run = []
        while index < len(events) and events[index][0] == kind:
            run.append(events[index][1] or events[index][2])
            index += 1
        if kind == "missing":
            shown = [layer_graph.describe(stage, expected.filters(stage)
                                          if stage["kind"] == "conv"
                                          else None) for stage in run]
            lines.append(f"missing after {previous}: NIN's "
                         f"{', '.join(shown)}")
        else:
            shown = [layer_graph.describe(stage) for stage in run]
            lines.append(f"after {previous}: {', '.join(shown)}, not in NIN")
            previous = layer_graph.label(run[-1])
    return width, lines + _grouped(conv_pairs)


# ---- what the file says the student ran ----

def detected_activation(convs):
    kinds = [stage["acts"][0]["kind"] if stage["acts"] else "linear"
             for stage in convs if not stage["unknown"]]
    if not kinds:
        return None
    return collections.Counter(kinds).most_common(1)[0][0]


def is_he(initializer):
    """True / False for a saved kernel initializer, None if unknown."""
    name = re.sub("[^a-z]", "", str(initializer["class_name"]).lower())
    if name in HE_INITIALIZERS:
        return True
    if name == "variancescaling":
        config = initializer["config"]
        scale = config.get("scale")
        return isinstance(scale, (int, float)) and math.isclose(
            scale, HE_SCALE) and config.get("mode") in ("fan_in", "fan_out")
    return False if name in OTHER_INITIALIZERS else None


def detected_he_init(layers):
    found = [is_he(initializer_of(layer["config"])) for layer in layers
             if layer["class"] in WEIGHTED
             and "kernel_initializer" in layer["config"]]
    if not found:
        return None
    if False in found:
        return False
    return True if all(found) else None
