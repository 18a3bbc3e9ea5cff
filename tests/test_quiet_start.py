"""A student's first lines are ours: TensorFlow's native start-up logs
(oneDNN, CUDA's cuInit, TF-TRT, absl) stay off the console unless
--tf-logs is given (nin.quiet_start)."""

import os
import subprocess
import sys
from pathlib import Path

LAB4 = Path(__file__).resolve().parents[1] / "labs" / "lab4.py"
NOISE = ("oneDNN", "cuInit", "TF-TRT", "absl::", "cudart_stub",
         "cpu_feature_guard")


def _tiny_run(tmp_path, *flags):
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("TF_CPP_MIN_LOG_LEVEL", "NIN_TF_LOGS")}
    return subprocess.run(
        [sys.executable, str(LAB4), "--act", "elu", "--bn", "--wi", "--dataset", "digits", "--width",
         "0.125", "--epochs", "1", "--batch-size", "256", "--precision",
         "fp32", "--verbose", "2", "--logdir", str(tmp_path), *flags],
        capture_output=True, text=True, env=environment, timeout=300,
        check=True)


def test_quickstart_prints_no_native_logs(tmp_path):
    done = _tiny_run(tmp_path)
    for noise in NOISE:
        assert noise not in done.stderr + done.stdout, noise
    assert done.stdout.splitlines()[0].startswith("Run ELU+BN+WI: ")
    assert done.stderr == ""
