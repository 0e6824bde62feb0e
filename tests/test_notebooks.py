"""Every notebook in `nbs/` runs top to bottom as one pytest item (nbdev's own runner, `nbdev-test` semantics)."""
from pathlib import Path
import pytest
import nbdev.test as nbtest  # the module, not `test_nb`, or pytest would collect it as a test
from nbdev.config import get_config

NBS = Path(__file__).parent.parent / "nbs"
NOTEBOOKS = sorted(p for p in NBS.glob("*.ipynb") if not p.name.startswith("_"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    skip = get_config(path=NBS).tst_flags.split()  # `#| slow` cells run only with `nbdev-test --flags slow`
    ok, secs = nbtest.test_nb(nb, skip_flags=skip, basepath=NBS.parent)
    assert ok, f"{nb.name} failed (see traceback above)"


def test_found_notebooks():
    assert len(NOTEBOOKS) >= 2, NOTEBOOKS
