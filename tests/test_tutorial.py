"""The tutorial notebook (docs/tutorial.ipynb) runs, and says what is stored in it.

The notebook is written by ``python docs/tutorial.py`` from the cells there; this test builds it from the
same cells, runs it in a fresh kernel (nbclient) and compares every printed output with the stored one,
so the notebook a student reads on the web is the one the code gives today.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _tutorial():  # docs/ is not a package: load docs/tutorial.py by its path
    spec = importlib.util.spec_from_file_location("coopsim_tutorial", DOCS / "tutorial.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _printed(nb: nbformat.NotebookNode) -> list[str]:
    """Each code cell's text outputs joined (streams, however the kernel split them, and the plain-text form of
    results), figures left out."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for o in cell.outputs:
            if o.output_type == "stream":
                texts.append(o.text)
            elif o.output_type in ("execute_result", "display_data") and "image/png" not in o.data:
                texts.append(o.data.get("text/plain", ""))
        out.append("".join(texts))
    return out


@pytest.mark.xdist_group("tutorial")
def test_the_tutorial_runs_and_its_stored_outputs_are_todays(tmp_path: Path) -> None:
    tutorial = _tutorial()
    stored = nbformat.read(tutorial.NOTEBOOK, as_version=4)
    fresh = tutorial.build()
    assert [c.source for c in stored.cells] == [c.source for c in fresh.cells], \
        "docs/tutorial.ipynb is not what docs/tutorial.py writes: run python docs/tutorial.py"
    ran = tutorial.execute(fresh, cwd=tmp_path)
    errors = [o for c in ran.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    figures = [o for c in ran.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 1  # the one figure
    printed = _printed(ran)
    assert printed == _printed(stored), "the tutorial's outputs changed: run python docs/tutorial.py"
    assert any("2.0 - 1.0:" in t and "95 % t-interval" in t for t in printed)
    assert any("the same before 2020, in every seed: True" in t for t in printed)
    assert any("\nrefused: config key 'labour.leave_probability' = 1.5" in t for t in printed)
