"""Build a small class of Lab 4 submissions for the grader's tests.

One honest set of the 10 lab runs is trained for real (digits, width
0.125, 1 epoch); every other student is a copy tampered in one way, as a
dishonest or careless student (or an attacker) would.
"""

import json
import shutil
import stat
import zipfile

import keras

import lab4
import nin

TINY = ["--dataset", "digits", "--width", "0.125", "--epochs", "1",
        "--verbose", "0"]
LAB_RUNS = [[], ["--wi"], ["--bn"], ["--bn", "--wi"], ["--act", "elu"],
            ["--act", "elu", "--wi"], ["--act", "elu", "--bn"],
            ["--act", "elu", "--bn", "--wi"],
            ["--act", "lrelu", "--bn", "--wi"],
            ["--act", "maxout", "--bn", "--wi"]]
MISSING = ("WI", "ELU+BN", "Maxout+BN+WI")
INFLATED_RUN = "ELU+BN+WI"
INFLATED_ACCURACY = 0.9167  # the report's best number
NO_BN_RUN = "BN+WI"
LAMBDA_RUN = "None"
CORRUPT_RUN = "ELU"
MARKER_VARIABLE = "LAMBDA_MARKER"


def train_honest_runs(logdir):
    """The 10 runs; a diverged run (exit code 3) is a real result too."""
    for arguments in LAB_RUNS:
        code = lab4.main([*arguments, *TINY, "--logdir", str(logdir)])
        assert code in (0, lab4.EXIT_DIVERGED)
    return logdir


def copy_runs(runs, student_dir):
    shutil.copytree(runs, student_dir / "logs")
    return student_dir / "logs"


def replace_model(run_dir, **settings):
    """model.keras rebuilt by our code with other settings (untrained)."""
    model = nin.build_model("nin", width=0.125, **settings)
    (run_dir / "model.keras").unlink()
    model.save(run_dir / "model.keras")


def lambda_payload(marker):
    """A function that writes `marker` (or $LAMBDA_MARKER) when called."""
    source = (f"lambda x: (open(__import__('os').environ.get("
              f"{MARKER_VARIABLE!r}, {str(marker)!r}), 'w').write('ran'), "
              "x)[1]")
    return eval(source)  # our own test payload, built from a literal


def add_lambda(run_dir, marker):
    path = run_dir / "model.keras"
    network = keras.saving.load_model(path, safe_mode=True)
    outputs = keras.layers.Lambda(
        lambda_payload(marker), output_shape=(10,), name="payload"
    )(network.output)
    path.unlink()
    keras.Model(network.input, outputs).save(path)


def zip_folder(folder, archive):
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(folder.rglob("*")):
            handle.write(path, path.relative_to(folder.parent))


def evil_zip(path):
    with zipfile.ZipFile(path, "w") as handle:
        handle.writestr("logs/None/results.json", "{}")
        handle.writestr("../evil", "escaped the output folder")
        link = zipfile.ZipInfo("logs/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        handle.writestr(link, "../../../../etc/passwd")


def build_class(runs, submissions, marker):
    """The class: {student: what was done to their submission}."""
    copy_runs(runs, submissions / "honest")

    logs = copy_runs(runs, submissions / "careless")
    for name in MISSING:
        shutil.rmtree(logs / name)
    (logs / CORRUPT_RUN / "model.keras").write_bytes(b"not a zip " * 100)

    logs = copy_runs(runs, submissions / "nobn")
    replace_model(logs / NO_BN_RUN, activation="relu", batch_norm=False,
                  he_init=True)

    staging = submissions.parent / "staging"
    logs = copy_runs(runs, staging)
    results_path = logs / INFLATED_RUN / "results.json"
    results = json.loads(results_path.read_text())
    results["test_accuracy"] = INFLATED_ACCURACY
    results_path.write_text(json.dumps(results))
    zip_folder(logs, submissions / "inflated.zip")
    shutil.rmtree(staging)

    logs = copy_runs(runs, submissions / "reluout")
    replace_model(logs / "Maxout+BN+WI", activation="relu",
                  batch_norm=True, he_init=True)

    logs = copy_runs(runs, submissions / "lambda")
    add_lambda(logs / LAMBDA_RUN, marker)

    evil_zip(submissions / "evilzip.zip")
    (submissions / "brokenzip.zip").write_bytes(b"PK\x03\x04 truncated")
    (submissions / "@risk").mkdir()  # empty; a name a spreadsheet would run
