"""`nbdev-export` and `nbdev-clean` must be no-ops: the package and the notebooks committed must match.

Checked on a scratch copy so the check works the same on a clean clone and in a working tree."""
import filecmp, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _diff(a: Path, b: Path):
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__", ".ipynb_checkpoints"])
    out = [f"{a.name}/{n}" for n in cmp.left_only + cmp.right_only + cmp.diff_files]
    for sub, c in cmp.subdirs.items(): out += _diff(a / sub, b / sub)
    return out


def test_export_and_clean_are_noops(tmp_path):
    for p in ["nbs", "toolft"]: shutil.copytree(ROOT / p, tmp_path / p, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for p in ["pyproject.toml", "README.md"]: shutil.copy(ROOT / p, tmp_path / p)
    bin = Path(sys.executable).parent
    for cmd in ["nbdev-export", "nbdev-clean"]:
        r = subprocess.run([str(bin / cmd)], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    changed = _diff(ROOT / "nbs", tmp_path / "nbs") + _diff(ROOT / "toolft", tmp_path / "toolft")
    assert not changed, f"run `make export` and commit: these differ after nbdev-export/nbdev-clean: {changed}"
