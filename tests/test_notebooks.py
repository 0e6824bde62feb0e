"""Every notebook in `nbs/` runs top to bottom as one pytest item (nbdev's own runner, `nbdev-test` semantics).

Each notebook runs in its own Python process, as in a fresh kernel: caches, torch thread settings and imported
state of one notebook must not leak into the next (13_masks_all passed alone but failed after twelve others
in one process)."""
import subprocess, sys
from pathlib import Path
import pytest
from nbdev.config import get_config

NBS = Path(__file__).parent.parent / "nbs"
NOTEBOOKS = sorted(p for p in NBS.glob("*.ipynb") if not p.name.startswith("_"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    skip = get_config(path=NBS).tst_flags.split()  # `#| slow` cells run only with `nbdev-test --flags slow`
    code = ("import sys, nbdev.test as t\n"
            f"ok, _ = t.test_nb({str(nb)!r}, skip_flags={skip!r}, basepath={str(NBS.parent)!r})\n"
            "sys.exit(0 if ok else 1)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=NBS)
    assert r.returncode == 0, f"{nb.name} failed:\n{(r.stdout + r.stderr)[-8000:]}"


def test_found_notebooks():
    assert len(NOTEBOOKS) >= 2, NOTEBOOKS
