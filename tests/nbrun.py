"""Run one notebook in a process forked from a fork server that has imported the third-party stack once.

Kept apart from the test modules so that a forked process imports only this (the fork server unpickles `run_notebook`
by its module) and nothing of pytest's collection: no browser check, no notebook list."""
import multiprocessing, os, sys
from unittest import mock
from pathlib import Path

NBS = Path(__file__).parent.parent / "nbs"
PRELOAD = ["torch", "transformers", "transformers.trainer", "transformers.image_processing_utils", "trl", "peft", "accelerate",
           "datasets", "jsonschema", "plotly.graph_objects", "IPython", "execnb.shell", "nbdev.test"]


def forkserver():
    "The fork server, started once per pytest process with the environment a notebook gets"
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    env = {"OMP_NUM_THREADS": "1"} if "PYTEST_XDIST_WORKER" in os.environ else {}  # two notebooks at once on a 2-core box: one torch thread each unless a cell asks
    with mock.patch.dict(os.environ, {k: v for k, v in env.items() if k not in os.environ}):
        from multiprocessing import forkserver
        forkserver.ensure_running()  # the server (and so every notebook forked from it) reads the environment now, before torch is imported
    return ctx


def run_notebook(nb: str, skip: list, log: str):
    "In the forked process: run `nb` with nbdev's runner (`nbdev-test` semantics), its stdout and stderr into `log`"
    fd = os.open(log, os.O_WRONLY | os.O_TRUNC)
    sys.stdout.flush(); sys.stderr.flush()
    os.dup2(fd, 1); os.dup2(fd, 2)
    os.chdir(NBS)
    import nbdev.test as t
    ok, _ = t.test_nb(nb, skip_flags=skip, basepath=str(NBS.parent))
    sys.stdout.flush(); sys.stderr.flush()
    sys.exit(0 if ok else 1)

