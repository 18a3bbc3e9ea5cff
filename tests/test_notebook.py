"""The student notebook `labs/lab4.ipynb`, executed end to end by a real
Jupyter kernel (nbclient), on digits at a tiny width: one run, two grid
runs at once, TensorBoard inline, the report's table and figures.

It runs with the Python environment's bin folder off PATH, as a kernel
registered from a virtual environment (or `venv/bin/python -m pytest`
without activating it) has it: `%tensorboard` must still find
TensorBoard, the one beside the kernel's own Python."""

import os
import sys
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "labs" / "lab4.ipynb"


def stop_tensorboards(logdir):
    from tensorboard import manager

    for info in manager.get_all():
        if str(logdir) in info.logdir:
            os.kill(info.pid, 15)


def outputs_of(cell):
    texts, kinds = [], set()
    for output in cell.get("outputs", []):
        kinds.update(output.get("data", {}).keys())
        texts.append(output.get("text", ""))
        texts.append(output.get("data", {}).get("text/markdown", ""))
        texts.append(output.get("data", {}).get("text/html", ""))
    return "".join(texts), kinds


def test_the_notebook_runs_end_to_end(tmp_path, monkeypatch):
    logdir = tmp_path / "logs"
    monkeypatch.setenv("NIN_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("NIN_NOTEBOOK_LOGDIR", str(logdir))
    bin_folder = os.path.dirname(sys.executable)
    monkeypatch.setenv("PATH", os.pathsep.join(
        folder for folder in os.environ.get("PATH", "").split(os.pathsep)
        if os.path.realpath(folder) != os.path.realpath(bin_folder)))
    monkeypatch.delenv("TENSORBOARD_BINARY", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(REPO / "labs")}})
    try:
        client.execute()
    finally:
        stop_tensorboards(logdir)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    texts = [outputs_of(cell) for cell in cells]
    assert f"toolkit: {REPO}" in texts[0][0]
    assert "ELU+BN+WI: test accuracy" in texts[2][0]
    assert "done     None: test accuracy" in texts[3][0]
    assert "skipped  ELU+BN+WI: finished" in texts[3][0]
    assert "Could not find" not in texts[4][0]
    assert "<iframe" in texts[4][0]
    report_text, report_kinds = texts[5]
    assert "| ELU+BN+WI | finished |" in report_text
    assert "image/png" in report_kinds
    for run in ("None", "ELU+BN+WI"):
        assert (logdir / run / "results.json").is_file()
