"""Every notebook in notebooks/ runs from top to bottom without error.

The kernel is this interpreter's `python3` kernel (ipykernel) started in the
repository root, so notebooks import the packages and the examples."""

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_python3_kernel_is_this_interpreter():
    """The notebooks' kernel runs in this venv (jupyter_client starts a
    kernel whose command is a bare `python` with `sys.executable`)."""
    command = KernelSpecManager().get_kernel_spec("python3").argv[0]
    bare = {"python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2]}
    assert command in bare or Path(command).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    """It runs, and every cell that draws a figure (`plt.show()`) shows an
    image."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    figures = [cell for cell in notebook.cells
               if cell.cell_type == "code" and "plt.show()" in cell.source]
    for cell in figures:
        assert any("image/png" in out.get("data", {}) for out in cell.outputs), cell.source


def test_a_notebook_plots_native_speed():
    """notebooks/03: the speed-ups of the example interpreters, drawn."""
    assert any("plt.show()" in cell.source
               for cell in nbformat.read(ROOT / "notebooks" / "03_native_speed.ipynb",
                                         as_version=4).cells)
