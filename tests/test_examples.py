"""The examples a new user runs first: the notebook executes top to bottom in a real Jupyter kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_notebook_is_built_from_its_source() -> None:
    import sys

    sys.path.insert(0, str(EXAMPLES))
    try:
        import build_notebook
    finally:
        sys.path.remove(str(EXAMPLES))
    on_disk = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    assert [c.source for c in on_disk.cells] == [c.source for c in build_notebook.build().cells]


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    notebook = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [
        o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert errors == []
    gold_cell = next(c for c in notebook.cells if c.source.startswith("gold = "))
    assert "M7" in gold_cell.outputs[0]["data"]["text/plain"]


def test_deploy_script_has_a_helpful_usage() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "deploy_to_snowflake.py"), "--help"], capture_output=True, text=True, check=True
    )
    assert "--connection" in result.stdout
    assert "connections.toml" in result.stdout
