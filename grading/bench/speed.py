"""How fast one full-size run is re-measured, before and after (a benchmark).

`labs/bench_grading.py speed` builds a full-size NIN (width 1.0) for a
lab run, writes a CIFAR-10-sized test set of random images in CIFAR's file
format (speed does not depend on the pixels) and times, in turns after a
warm-up, the re-measurement of its 10,000 test images:

- `before`: the method this grader used before, the Keras model called
  eagerly in batches of 100 (kept here, and only here, to compare);
- `after`: what the worker does now (`grading.models.remeasure.evaluate`): the
  compiled graph at the worker's batch size, in the precision "auto"
  picks (bf16 with the float32 recheck on a CPU that has bf16), which is
  also forced to fp32 for a CPU without it.

It prints seconds per 10,000 images, the speed-up, GFLOP/s and the share
of the measured matmul peak, the batch size, how many images the recheck
computed in float32, whether the predictions equal float32's exactly, and
the process's peak memory. No test runs this.
"""

import tempfile

import numpy as np
from grading.models import remeasure
from grading.sandbox.context import Context
from grading.sandbox.machine import peak_memory
from nin.bench.timing import interleaved_seconds, matmul_peak_gflops
from nin.training.config import run_name

OLD_EVAL_BATCH = 100


def forward_gflop(model):
    """GFLOP of one image's forward pass through the conv/dense layers."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            height, width = layer.output.shape[1:3]
            total += 2 * height * width * int(np.prod(layer.kernel.shape))
        elif kind == "Dense":
            total += 2 * int(np.prod(layer.kernel.shape))
    return total / 1e9


def eager_probabilities(model, images):
    """The method before: eager calls in batches of 100."""
    from keras import ops

    return np.concatenate([
        ops.convert_to_numpy(model(images[start:start + OLD_EVAL_BATCH],
                                   training=False))
        for start in range(0, len(images), OLD_EVAL_BATCH)])


def full_size_student(activation, batch_norm, he_init):
    """A stand-in for the student's side: our model's arrays as data."""
    import nin
    from grading.models import inspect_model

    model = nin.build_model("nin", activation=activation,
                            batch_norm=batch_norm, he_init=he_init)
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.keras"
        model.save(path)
        config, weights = inspect_model.read_keras_file(path)
    return {"layers": inspect_model.describe_layers(config),
            "arrays": inspect_model.weight_arrays(weights)}


def measure_speed(activation="elu", batch_norm=True, he_init=True,
                  images=10000, repeats=1, data_dir=None):
    """{figure: value} for one full-size run, timed in turns."""
    from nin.data.cifar import write_random_cifar

    settings = {"activation": activation, "batch_norm": batch_norm,
                "he_init": he_init}
    with tempfile.TemporaryDirectory() as folder:
        if data_dir is None:
            write_random_cifar(folder, per_batch=images)
        contexts = {name: Context("cifar10", data_dir or folder, 1e-5,
                                  precision)
                    for name, precision in (("after", "auto"),
                                            ("after_fp32", "fp32"))}
        x_test, y_test = contexts["after"].test_set()
    for context in contexts.values():
        context._test = contexts["after"]._test  # the one test set
    student = full_size_student(**settings)
    claimed = {"model": "nin", "width": 1.0, "model_options": {}}
    built = remeasure.reference(claimed, settings, contexts["after"])
    model = built["model"]
    remeasure.load_into(model, student)
    results = {}

    def after(name):
        def run():
            results[name] = remeasure.evaluate(built, student,
                                               contexts[name])
        return run

    runners = {"before": lambda: results.__setitem__(
        "before_probabilities", eager_probabilities(model, x_test)),
        "after": after("after"), "after_fp32": after("after_fp32")}
    seconds = {name: float(np.median(values)) for name, values in
               interleaved_seconds(runners, repeats).items()}
    exact = results["before_probabilities"].argmax(axis=1)
    results["differences"] = _differences(built, contexts["after"], exact)
    results["before_accuracy"] = float(np.mean(exact == y_test))
    return _figures(seconds, results, model, x_test, settings)


def _differences(built, context, exact):
    """Images whose predicted class differs from the eager float32 one."""
    x_test, _ = context.test_set()
    predictor = context.predictor(built["architecture"], built["model"])
    batch = context.batch_size(predictor)
    probabilities = predictor.predict(x_test, context.precision, batch)
    if context.precision != "fp32":
        remeasure.recheck(predictor, x_test, probabilities, batch)
    return int(np.sum(probabilities.argmax(axis=1) != exact))


def _figures(seconds, results, model, x_test, settings):
    per_10k = {name: value * 10000 / len(x_test)
               for name, value in seconds.items()}
    gflop = forward_gflop(model) * len(x_test)
    after = results["after"]
    peaks = {precision: matmul_peak_gflops(precision)
             for precision in ("bf16", "fp32")}
    return {
        "run": run_name(**settings), "images": len(x_test),
        "gflop_per_image": round(gflop / len(x_test), 4),
        "before_s_per_10k": round(per_10k["before"], 2),
        "after_s_per_10k": round(per_10k["after"], 2),
        "after_fp32_s_per_10k": round(per_10k["after_fp32"], 2),
        "speedup": round(seconds["before"] / seconds["after"], 2),
        "speedup_fp32": round(seconds["before"] / seconds["after_fp32"], 2),
        "after_precision": after["precision"],
        "after_batch_size": after["batch_size"],
        "rechecked_in_fp32": after["rechecked_in_fp32"],
        "accuracy_before": results["before_accuracy"],
        "accuracy_after": after["accuracy"],
        "predictions_differing_from_before": results["differences"],
        "after_gflops": round(gflop / seconds["after"], 1),
        "after_fp32_gflops": round(gflop / seconds["after_fp32"], 1),
        "matmul_peak_gflops": {key: round(value, 1)
                               for key, value in peaks.items()},
        "share_of_peak": round(gflop / seconds["after"]
                               / peaks[after["precision"]], 3),
        "share_of_peak_fp32": round(gflop / seconds["after_fp32"]
                                    / peaks["fp32"], 3),
        **peak_memory(),
    }
