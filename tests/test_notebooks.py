"""Every notebook in `nbs/` runs top to bottom as one pytest item (nbdev's own runner, `nbdev-test` semantics).

Each notebook runs in its own Python process, as in a fresh kernel: caches, torch thread settings and imported
state of one notebook must not leak into the next (13_masks_all passed alone but failed after twelve others
in one process). The processes are forked from a multiprocessing fork server that has imported the third-party
stack once (torch, transformers, TRL, PEFT, jsonschema, plotly, nbdev) and nothing of toolft, and never runs a
notebook itself: each notebook still starts from a clean interpreter state, without paying ~8-11 s of imports
(`import toolft.grpo` alone: 10.2 s here, 2.5 s of it jsonschema building an IRI grammar) in each of ~38 processes.

Cells marked `#| fixtures` need `../shared/fixtures` (or `TOOLFT_FIXTURES`): they are skipped when the fixtures are
absent, and the number skipped per notebook is reported at the end of the run (tests/conftest.py)."""
import json, re, tempfile
from pathlib import Path
import pytest
from nbdev.config import get_config

from toolft.fixtures import have_fixtures
from nbrun import NBS, forkserver, run_notebook

# The notebooks that teach run in JupyterLab instead (tests/test_browser.py: the walkthrough and the mask view), where a browser can
# run them; each notebook runs once either way.
from test_browser import WALK, NB as MASK_NB, browser_ready
IN_BROWSER = {*WALK, MASK_NB.stem} if browser_ready() else set()
NOTEBOOKS = sorted(p for p in NBS.glob("*.ipynb") if not p.name.startswith("_") and p.stem not in IN_BROWSER)
FIXTURE_CELL = re.compile(r"^#\|\s*fixtures\b", re.M)


def fixture_cells(nb: Path) -> int:
    cells = json.loads(nb.read_text())["cells"]
    return sum(1 for c in cells if c["cell_type"] == "code" and FIXTURE_CELL.search("".join(c["source"])))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb, record_property):
    skip = [f for f in get_config(path=NBS).tst_flags.split() if f != "fixtures"]  # `#| slow` cells run only with `nbdev-test --flags slow`
    if not have_fixtures():
        skip.append("fixtures")
        record_property("fixture_cells_skipped", fixture_cells(nb))
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        p = forkserver().Process(target=run_notebook, args=(str(nb), skip, log.name))
        p.start(); p.join()
        out = log.read()
    assert p.exitcode == 0, f"{nb.name} failed (exit code {p.exitcode}):\n{out[-8000:]}"


def test_found_notebooks():
    assert len(NOTEBOOKS) >= 2, NOTEBOOKS
    assert IN_BROWSER <= {p.stem for p in NBS.glob("*.ipynb")}, IN_BROWSER - {p.stem for p in NBS.glob("*.ipynb")}  # no walkthrough name points nowhere
