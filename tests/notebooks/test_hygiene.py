"""Product notebooks stay thin: literal parameters, a short setup, no logic, no outputs."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import papermill as pm
import pytest

NOTEBOOKS = sorted(
    p
    for p in (Path(__file__).parents[2] / "notebooks").rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def _lists_panels(src: str) -> bool:
    """A section's cell: ``page.panels("id", ...)``, one panel id a line and nothing else."""
    body = ast.parse(src).body
    if len(body) != 1 or not isinstance(body[0], ast.Expr):
        return False
    call = body[0].value
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "panels"
        and not call.keywords
        and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
    )


def test_there_are_notebooks():
    assert any(p.name == "dashboard.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_and_clean(path):
    data = json.loads(path.read_text())
    assert data["metadata"]["kernelspec"]["name"] == "python3"  # papermill needs it
    assert data["cells"][0]["cell_type"] == "markdown"
    cells = _code_cells(path)
    params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, "exactly one parameters cell"
    for node in ast.parse("".join(params[0]["source"])).body:
        assert isinstance(node, ast.AnnAssign), "parameters are annotated assignments"
        assert isinstance(node.value, ast.Constant), "parameters are literals"
    setup = cells[1]
    assert len("".join(setup["source"]).splitlines()) <= 3
    for cell in cells:
        src = "".join(cell["source"])
        assert not cell.get("outputs"), "committed without outputs"
        assert cell.get("execution_count") is None
        assert not re.search(r"^\s*(def|class)\s", src, re.M), "no functions or classes"
        assert not re.search(r"\bselect\b.+\bfrom\b", src, re.I | re.S), "no SQL"
        assert not re.search(r"\b(requests|httpx|urllib)\b", src), "no HTTP"
        if cell is not params[0] and not _lists_panels(src):
            assert len(src.splitlines()) <= 3, "one or two lines per visual"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_are_documented_and_include_warehouse(path):
    params = pm.inspect_notebook(str(path))
    assert "warehouse" in params
    for name, spec in params.items():
        assert spec["help"], f"parameter {name} has no comment"
