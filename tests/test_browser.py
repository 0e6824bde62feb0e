"""Real-browser tests: JupyterLab + headless Chromium (Debian `chromium`, driven by the Python `playwright` package;
`make browser` installs it), one server and one browser for both tests.

- The mask view: runs `nbs/14_maskwidget.ipynb` top to bottom in a live kernel, checks the plain-HTML view and the
  anywidget rendered, clicks a widget token and reads the selection back from the kernel.
- The reward dashboard: runs a short notebook in which a GRPO training (`toolft.grpo.train_grpo`, the untrained embedded
  model) feeds a `toolft.dashboard.RewardDashboard`, watches the widget's step number rise while it trains,
  then opens a sample and reads the selection back from the kernel.

Both screenshot their views into `runs/browser/` for a human to look at. Recipe: shared/docs/browser-testing.md."""
from __future__ import annotations
import json, os, re, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

pytestmark = pytest.mark.xdist_group("browser")  # `make test` runs two workers: these share one server, so one worker runs them all
REPO = Path(__file__).resolve().parent.parent
NB = REPO / "nbs" / "14_maskwidget.ipynb"
DASH_NB = "_dashboard_live.ipynb"  # written into the served copy by `served`
SAVED_NB = "_dashboard_saved.ipynb"  # written by DASH_NB's last cell
CHROMIUM = Path(os.environ.get("TOOLFT_CHROMIUM", "/usr/bin/chromium"))
SHOTS = REPO / "runs" / "browser"
BUDGET = 120  # seconds for all waits of one test together (the server's start has its own)
CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _unavailable(why: str):
    "On CI a missing browser is a failure (the Makefile's `browser` target should have installed it); locally a skip"
    if CI: pytest.fail(f"browser test cannot run on CI: {why}", pytrace=False)
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


_NOPROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http(url: str, method="GET", timeout=5.0) -> int:
    with _NOPROXY.open(urllib.request.Request(url, method=method, data=b"" if method == "POST" else None), timeout=timeout) as r:
        return r.status


def _descendants(pid: int) -> list[int]:
    "All live descendants of `pid` (from /proc), so kernels started in their own sessions can be stopped by id"
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit(): continue
        try: ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError): continue
        kids.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []): out.append(c); todo.append(c)
    return out


def _write_settings(settings: Path):
    "windowingMode none (else off-screen cells are never painted), cell timing recorded, and no news/update toasts over the page"
    for rel, val in {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "recordTiming": True},
                     "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                         {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}}.items():
        p = settings / rel; p.parent.mkdir(parents=True, exist_ok=True); p.write_text(json.dumps(val))


class Lab:
    "A throwaway JupyterLab serving `root`, in its own process group"
    def __init__(self, root: Path, work: Path, env_extra: dict):
        self.port, self.log = _free_port(), work / "jupyterlab.log"
        env = {**os.environ, **env_extra}
        for k, sub in [("JUPYTER_CONFIG_DIR", "cfg"), ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_DATA_DIR", "data"),
                       ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")]:
            env[k] = str(work / sub); (work / sub).mkdir(parents=True, exist_ok=True)
        _write_settings(work / "settings")
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}", "--port-retries=0",
               "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.expose_app_in_browser=True", "--allow-root", f"--ServerApp.root_dir={root}"]
        self._logf = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=self._logf, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, deadline: float):
        while time.monotonic() < deadline:
            if self.proc.poll() is not None: raise RuntimeError(f"jupyterlab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if _http(self.url + "/api/status", timeout=2) == 200: return
            except OSError: pass
            time.sleep(0.3)
        raise TimeoutError(f"jupyterlab not ready at {self.url}:\n{self.log_tail()}")

    def log_tail(self, n=4000) -> str:
        try: return self.log.read_text(errors="replace")[-n:]
        except OSError: return ""

    def stop(self):
        "Shut kernels and server down politely, then end the server's process group and any leftover descendants by id"
        pid = self.proc.pid
        family = _descendants(pid)
        if self.proc.poll() is None:
            try: _http(self.url + "/api/shutdown", method="POST", timeout=5)
            except OSError: pass
            try: self.proc.wait(10)
            except subprocess.TimeoutExpired: pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try: os.killpg(pid, sig)  # start_new_session: the group id is the server's pid
            except ProcessLookupError: pass
            for c in family:
                try: os.kill(c, sig)
                except ProcessLookupError: pass
            try: self.proc.wait(5); break
            except subprocess.TimeoutExpired: continue
        if self.proc.poll() is None: self.proc.wait(5)
        self._logf.close()


# JavaScript run in the page; `window.__tft` holds the notebook panel between calls.
JS_PANEL_READY = """() => {
  const app = window.jupyterapp; if (!app) return false;
  const p = app.shell.currentWidget;
  if (!p || !p.sessionContext || !p.content || !p.model) return false;
  window.__tft = p;
  const k = p.sessionContext.session && p.sessionContext.session.kernel;
  return p.sessionContext.isReady && !!k && k.status === 'idle' && p.content.widgets.length > 0;
}"""
JS_APP_RESTORED = """async () => { await window.jupyterapp.started; await window.jupyterapp.restored; return true; }"""
JS_RUN_ALL = """async (ms) => {
  const app = window.jupyterapp, p = window.__tft;
  const timer = new Promise((_, rej) => setTimeout(() => rej(new Error('run-all timed out after ' + ms + ' ms')), ms));
  const ok = await Promise.race([app.commands.execute('notebook:run-all-cells'), timer]);
  return ok;
}"""
JS_NOTEBOOK_STATE = """() => {
  const p = window.__tft, cells = [];
  const k = p.sessionContext.session && p.sessionContext.session.kernel;
  for (let i = 0; i < p.model.cells.length; i++) {
    const c = p.model.cells.get(i);
    if (c.type !== 'code') continue;
    const outs = c.outputs.toJSON();
    cells.push({i, count: c.executionCount, errors: outs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
                source: c.sharedModel.getSource().slice(0, 80)});
  }
  return {kernel: k ? k.status : null, cells};
}"""
JS_KERNEL_EXEC = """async (code) => {
  const k = window.__tft.sessionContext.session.kernel;
  const fut = k.requestExecute({code, silent: false, store_history: false});
  let out = '';
  fut.onIOPub = (msg) => {
    const t = msg.header.msg_type;
    if (t === 'stream') out += msg.content.text;
    if (t === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
  };
  await fut.done;
  return out;
}"""


def _left(deadline: float, cap: float | None = None) -> float:
    "Milliseconds left before `deadline` (playwright timeouts), at least 1 s, at most `cap` seconds"
    s = max(1.0, deadline - time.monotonic())
    return 1000 * (min(s, cap) if cap else s)


# The dashboard's notebook: a GRPO run in the foreground of the kernel, as a user runs one. `train` is the one function
# that produces the run; the test only needs it to call `dash`'s callbacks for more than one step.
DASH_CELLS = [
    """import os, tempfile
os.environ["TRL_EXPERIMENTAL_SILENCE"] = "1"
from pathlib import Path
from toolft.world import synthesize, world_tools
from toolft.records import normalize
from toolft.tiny import build_tiny
from toolft.grpo import GRPOConfig, train_grpo
from toolft.dashboard import RewardDashboard
tmp = Path(tempfile.mkdtemp())
records = [normalize(r).record for r in synthesize(40, seed=0, split="train")]
tiny = build_tiny(tmp / "tiny", n_records=400)""",
    """def train(dash):
    "A few GRPO steps of the embedded model, feeding `dash`"
    run = GRPOConfig(output_dir=str(tmp / "grpo"), max_steps=%(steps)d, num_generations=2, per_device_train_batch_size=4, learning_rate=1e-4,
                     logging_steps=1, max_completion_length=96, temperature=0.8, think="drop", seed=0, save_strategy="no", report_to="none",
                     activation_checkpointing=False, torch_threads=1)
    return train_grpo(run, str(tiny), records, tools=world_tools(), live=False, progress=False, callbacks=[dash])


dash = RewardDashboard()  # shows itself when training starts
res = train(dash)""",
    """print(res.steps, dash.step, len(dash.history), dash.seen)""",
    """import json  # the static view, saved into a notebook nobody signed: JupyterLab opens it untrusted, through its sanitizer
Path("%(saved)s").write_text(json.dumps({"cells": [{"cell_type": "code", "execution_count": 1, "id": "c0", "metadata": {}, "source": "dash",
    "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/html": dash.html(), "text/plain": "dash"}}]}],
    "metadata": {"kernelspec": {"display_name": "python3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}))
dash  # the static view (`_repr_html_`), as a report shows it""",
]
DASH_STEPS = 10


def _write_notebook(path: Path, cells: list[str]):
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [], "source": s}
                    for i, s in enumerate(cells)],
          "metadata": {"kernelspec": {"display_name": "python3", "language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1))


class Served:
    "The JupyterLab server and the browser shared by the tests of this module"
    def __init__(self, lab: Lab, ctx, site: Path, shots: Path): self.lab, self.ctx, self.site, self.shots = lab, ctx, site, shots


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not CHROMIUM.exists(): _unavailable(f"{CHROMIUM} not found; run `make browser` (apt-get install -y chromium)")
    try: from playwright.sync_api import sync_playwright
    except ImportError as e: _unavailable(f"python playwright not importable ({e}); install the dev extras (`make install`)")
    try: import jupyterlab, anywidget  # noqa: F401
    except ImportError as e: _unavailable(f"jupyterlab/anywidget not importable ({e}); install the lab extras (`make install`)")
    from toolft.fixtures import fixtures_dir
    try: kernel_env = {"TOOLFT_FIXTURES": str(fixtures_dir(REPO))}  # the notebooks' kernels find the fixtures through it
    except FileNotFoundError: kernel_env = {}  # a clone without them: `#| fixtures` cells print that they were skipped
    tmp = tmp_path_factory.mktemp("browser")
    # A served copy laid out like the repo: the mask notebook's last cell runs nbdev_export, which needs the project
    # config and then writes into this copy's toolft/, never into the repo.
    site = tmp / "site"; proj = site / "proj"
    proj.mkdir(parents=True)
    shutil.copytree(REPO / "nbs", proj / "nbs", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_*.ipynb"))  # the walkthrough's notebooks and 14_maskwidget
    shutil.copy(REPO / "pyproject.toml", proj / "pyproject.toml")
    shutil.copytree(REPO / "benchmarks" / "results", proj / "benchmarks" / "results")  # the measured results the notebooks read (91_demo)
    _write_notebook(proj / "nbs" / DASH_NB, [c % {"steps": DASH_STEPS, "saved": SAVED_NB} for c in DASH_CELLS])
    shots = tmp / "shots"; shots.mkdir()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for p in SHOTS.glob("failure*.png"): p.unlink()
    lab = Lab(site, tmp / "jupyter", kernel_env)
    try:
        lab.wait_ready(time.monotonic() + 60)
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(str(tmp / "profile"), executable_path=str(CHROMIUM), headless=True,
                                                        args=CHROME_ARGS, viewport={"width": 1400, "height": 2400})
            try: yield Served(lab, ctx, site, shots)
            finally:
                for p in shots.glob("*.png"): shutil.copy(p, SHOTS / p.name)
                ctx.close()
    except BaseException as e:
        if not isinstance(e, (pytest.skip.Exception, pytest.fail.Exception)): print(f"--- jupyterlab log tail ---\n{lab.log_tail()}")
        raise
    finally:
        lab.stop()


def _open_notebook(page, s: Served, name: str, deadline: float) -> list:
    "Open nbs/`name` in the served copy and wait until its kernel is idle; the list collects uncaught page errors"
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{s.lab.url}/lab/tree/proj/nbs/{name}?reset", timeout=_left(deadline, 60))  # ?reset: no tabs restored from the last test
    page.wait_for_function("() => !!window.jupyterapp", timeout=_left(deadline))
    page.evaluate(JS_APP_RESTORED)
    page.wait_for_function(JS_PANEL_READY, timeout=_left(deadline), polling=200)
    return errors


def _wait_idle(page, deadline: float):
    page.wait_for_function("() => { const k = window.__tft.sessionContext.session.kernel; return k && k.status === 'idle'; }",
                           timeout=_left(deadline), polling=200)


def _assert_ran_clean(page):
    "Every code cell ran, none raised, no traceback in any output"
    state = page.evaluate(JS_NOTEBOOK_STATE)
    errors = [(c["i"], c["source"], c["errors"]) for c in state["cells"] if c["errors"]]
    assert not errors, f"cells raised: {errors}"
    not_run = [(c["i"], c["source"]) for c in state["cells"] if c["count"] is None]
    assert not not_run, f"cells never ran: {not_run}"
    tb = page.evaluate("""() => [...document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText')]
        .map(n => n.textContent).filter(t => t.includes('Traceback'))""")
    assert not tb, f"traceback in outputs: {tb[0][:2000]}"


def _kernel_says(page, code: str, want: str, deadline: float) -> str:
    "What `code` prints in the notebook's kernel, polled until it is `want` (a change from the page reaches the kernel asynchronously)"
    seen = None
    while time.monotonic() < deadline:
        seen = page.evaluate(JS_KERNEL_EXEC, code).strip()
        if seen == want: break
        time.sleep(0.2)
    return seen


def _close(page, shots: Path, failed: bool, name: str):
    "Screenshot a failure, shut the notebook's kernel down (the next test gets both cores) and close the page"
    if failed:
        try: page.screenshot(path=str(shots / f"failure-{name}.png"), full_page=True)
        except Exception: pass
    try: page.evaluate("async () => { if (window.__tft) await window.__tft.sessionContext.shutdown(); }")
    except Exception: pass
    page.close()


def test_maskview_in_jupyterlab(served):
    t0 = time.monotonic(); deadline = t0 + BUDGET
    page, failed = served.ctx.new_page(), True
    shots = served.shots
    try:
        console_errors = _open_notebook(page, served, NB.name, deadline)
        ok = page.evaluate(JS_RUN_ALL, _left(deadline))
        _wait_idle(page, deadline)
        _assert_ran_clean(page)
        assert ok is True, "notebook:run-all-cells reported failure"

        # 1. the plain-HTML view
        view_cell = page.locator(".jp-Cell", has=page.locator(".toolft-maskview")).first
        view_cell.wait_for(timeout=_left(deadline, 20))
        n_html = page.locator(".toolft-maskview").first.locator(".tft-tok").count()
        assert n_html > 50, n_html
        titles = page.locator(".toolft-maskview").first.locator(".tft-tok").evaluate_all("ns => ns.map(n => n.title)")
        assert any("TRAINED" in t for t in titles) and any("not trained" in t for t in titles), titles[:5]
        styles = page.locator(".toolft-maskview .tft-tok").evaluate_all("ns => ns.map(n => getComputedStyle(n).backgroundColor)")
        assert len(set(styles)) >= 4, f"tokens are not coloured by category: {set(styles)}"
        h = view_cell.bounding_box()["height"]
        assert h < 2200, f"mask view cell is {h}px tall, taller than the viewport: the screenshot would be cut"
        view_cell.screenshot(path=str(shots / "maskview.png"))

        # 2. the anywidget: same tokens, click one, read it back from the kernel
        widget = page.locator(".toolft-maskwidget").first
        widget.wait_for(timeout=_left(deadline, 30))
        toks = widget.locator(".tft-tok")
        n_w = toks.count()
        assert n_w == n_html, (n_w, n_html)
        page.wait_for_function("() => document.querySelector('.toolft-maskwidget .tft-info').textContent.startsWith('selected #3:')",
                               timeout=_left(deadline, 10))  # the notebook set w.selected = 3 after displaying w
        k = next(j for j in range(10, n_w) if "tft-trained" in (toks.nth(j).get_attribute("class") or ""))
        tok = toks.nth(k)
        assert tok.get_attribute("data-i") == str(k)
        tok.scroll_into_view_if_needed(timeout=_left(deadline, 10))
        tok.click(timeout=_left(deadline, 10))
        page.wait_for_function("(k) => document.querySelector('.toolft-maskwidget .tft-info').textContent.startsWith(`selected #${k}:`)",
                               arg=k, timeout=_left(deadline, 10))
        assert "tft-selected" in (tok.get_attribute("class") or ""), "the clicked token is not highlighted"
        assert widget.locator(".tft-tok.tft-selected").count() == 1, "more than one token highlighted"
        assert widget.locator(".tft-legend").count() == 2, "the colour legend and the trained/masked/selected legend"
        seen = _kernel_says(page, "print(w.selected, w.selected_token['i'], w.selected_token['trained'])", f"{k} {k} True", deadline)
        assert seen == f"{k} {k} True", f"clicked token {k}, kernel says {seen!r}"
        widget_cell = page.locator(".jp-Cell", has=page.locator(".toolft-maskwidget")).first
        widget_cell.screenshot(path=str(shots / "maskwidget.png"))
        assert not console_errors, f"uncaught page errors: {console_errors}"
        problems = _cell_problems(page.evaluate(JS_WALK_CELLS))  # the walkthrough's checks: this notebook teaches too
        assert not problems, "14_maskwidget: " + "\n".join(problems)
        failed = False
    finally:
        _close(page, shots, failed, "maskview")
    assert time.monotonic() - t0 < BUDGET + 30


# Starts run-all and returns at once: the test watches the page while the cells run.
JS_RUN_ALL_START = """() => {
  window.__runDone = null;
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(ok => { window.__runDone = {ok}; },
                                                                    e => { window.__runDone = {error: String(e)}; });
  return true;
}"""
JS_DASH_STATE = """() => {
  const s = document.querySelector('.toolft-dashboard .tft-step');
  const training = window.__tft.model.cells.get(1).executionCount === null;  // run-all clears it; set when the cell ends
  return {step: s ? s.textContent : null, training, done: window.__runDone};
}"""


def test_dashboard_live_in_jupyterlab(served):
    t0 = time.monotonic(); deadline = t0 + BUDGET
    page, failed = served.ctx.new_page(), True
    shots = served.shots
    try:
        console_errors = _open_notebook(page, served, DASH_NB, deadline)
        page.evaluate(JS_RUN_ALL_START)
        steps = []  # the step numbers the widget showed while the training cell ran, in order
        while time.monotonic() < deadline:
            st = page.evaluate(JS_DASH_STATE)
            if st["done"] is not None: break
            if st["training"] and st["step"] is not None and (not steps or steps[-1] != st["step"]): steps.append(st["step"])
            time.sleep(0.1)
        else: raise TimeoutError(f"the notebook did not finish within {BUDGET} s; the widget showed steps {steps}")
        assert st["done"].get("ok") is True, f"notebook:run-all-cells: {st['done']}"
        _wait_idle(page, deadline)
        _assert_ran_clean(page)
        shown = [int(x) for x in steps]
        assert len(set(shown)) >= 2 and min(shown) < DASH_STEPS, f"the widget's step did not change while training ran: {steps}"
        assert shown == sorted(shown), f"the step went back: {steps}"
        final = int(page.locator(".toolft-dashboard .tft-step").first.text_content())
        assert final == DASH_STEPS, (final, steps)
        out = _kernel_says(page, "print(res.steps, dash.step, len(dash.history))", f"{DASH_STEPS} {DASH_STEPS} {DASH_STEPS}", deadline)
        assert out == f"{DASH_STEPS} {DASH_STEPS} {DASH_STEPS}", out

        views = page.locator(".toolft-dashboard")
        assert views.count() == 2, f"expected the widget and the static view, found {views.count()} dashboards"
        dash, static = views.nth(0), views.nth(1)  # the widget (the training cell's output), then the last cell's HTML
        assert static.locator(".tft-step").text_content() == str(DASH_STEPS)
        n_curves = dash.locator("img.tft-curve").count()
        assert n_curves >= 5 and static.locator("img.tft-curve").count() == n_curves, n_curves
        loaded = page.locator(".toolft-dashboard img.tft-curve").evaluate_all("ns => ns.filter(n => n.complete && n.naturalWidth > 0).length")
        assert loaded == 2 * n_curves, f"{2 * n_curves - loaded} curve images did not load"
        assert static.locator("details.tft-sample").count() == dash.locator("details.tft-sample").count()
        rows = dash.locator("details.tft-sample")
        assert rows.count() >= 2, rows.count()
        # open a sample, preferring one whose rollout has a tool result
        with_obs = dash.locator("details.tft-sample .tft-obs").count() > 0
        target = dash.locator("details.tft-sample", has=page.locator(".tft-obs")).first if with_obs else rows.first
        key = target.get_attribute("data-key")
        assert not target.locator(".tft-rollout").is_visible()
        target.locator("summary").click(timeout=_left(deadline, 10))
        rollout = dash.locator(f'details.tft-sample[data-key="{key}"] .tft-rollout')
        rollout.wait_for(state="visible", timeout=_left(deadline, 10))
        text = rollout.text_content()
        assert "assistant" in text and "total" in text, text[:500]
        assert rollout.locator(".tft-components tr").count() >= 3
        seen = _kernel_says(page, "print(dash.widget.selected, dash.selected_sample is not None)", f"{key} True", deadline)
        assert seen == f"{key} True", f"opened sample {key}, kernel says {seen!r}"
        cell = page.locator(".jp-Cell", has=page.locator(".toolft-dashboard")).first
        h = cell.bounding_box()["height"]
        assert h < 2300, f"the dashboard cell is {h}px tall: the screenshot would be cut"
        cell.screenshot(path=str(shots / "dashboard.png"))
        assert not console_errors, f"uncaught page errors: {console_errors}"
        # the same HTML saved in an untrusted notebook: the sanitizer keeps the curves, the bars and the rollouts
        t_saved = time.monotonic()
        pid = page.evaluate("""async (path) => {
          const w = await window.jupyterapp.commands.execute('docmanager:open', {path});
          await w.context.ready; window.__saved = w; return w.id; }""", f"proj/nbs/{SAVED_NB}")
        try:
            view = page.locator(f'[id="{pid}"] .toolft-dashboard').first
            view.wait_for(timeout=_left(deadline, 30))
            assert page.evaluate("() => window.__saved.model.cells.get(0).trusted") is False
            assert view.locator(".tft-step").text_content() == str(DASH_STEPS)
            ok_imgs = 0
            while time.monotonic() < deadline and ok_imgs < n_curves:
                ok_imgs = view.locator("img.tft-curve").evaluate_all("ns => ns.filter(n => n.complete && n.naturalWidth > 0).length")
                time.sleep(0.1)
            assert ok_imgs == n_curves, f"untrusted: {ok_imgs} of {n_curves} curve images shown"
            segs = view.locator(".tft-seg").evaluate_all(
                "ns => ns.filter(n => n.getBoundingClientRect().width > 0 && getComputedStyle(n).position === 'absolute').length")
            assert segs > 0, "untrusted: the stacked bars lost their layout"
            view.locator("details.tft-sample summary").first.click(timeout=_left(deadline, 10))
            view.locator("details.tft-sample .tft-rollout").first.wait_for(state="visible", timeout=_left(deadline, 10))
            page.locator(f'[id="{pid}"] .jp-Cell').first.screenshot(path=str(shots / "dashboard-untrusted.png"))
        finally:
            try: page.evaluate("async () => { await window.__saved.sessionContext.shutdown(); window.__saved.close(); }")
            except Exception: pass
        t_saved = time.monotonic() - t_saved
        print(f"dashboard: steps shown while training {steps}; {n_curves} curves; "
              f"{'a sample with a tool result' if with_obs else 'the first sample (no rollout had a tool result)'} opened; {time.monotonic() - t0:.1f} s ({t_saved:.1f} s the untrusted view)")
        failed = False
    finally:
        _close(page, shots, failed, "dashboard")


# ---- The walkthrough: the notebooks that teach, Run All in JupyterLab as a newcomer would ----------------------------
# tests/test_notebooks.py leaves these (and 14_maskwidget, run by test_maskview_in_jupyterlab) to this module whenever a
# browser can run them: each notebook runs once, in the front end its readers use, with the same asserts.
WALK = ("index", "00_records", "11_masks", "12_maskview", "21_sft", "32_eval", "91_demo")
WALK_BUDGET = 480  # seconds per notebook (91_demo, the longest, runs ~150 s alone)
SLOW_CELL = 20  # seconds a cell may run without showing progress
BAR = re.compile(r"\d+%\||\d+/\d+ \[|it/s\]|s/it\]|examples/s\]")  # a tqdm bar's text


def browser_ready() -> bool:
    "Can this machine run the browser tests? (On CI they must: a missing browser fails there, see `_unavailable`)"
    if CI: return True
    try:
        import playwright.sync_api, jupyterlab, anywidget  # noqa: F401
    except ImportError: return False
    return CHROMIUM.exists()


JS_WALK_CELLS = """() => {
  const p = window.__tft, cells = [];
  for (let i = 0; i < p.model.cells.length; i++) {
    const c = p.model.cells.get(i);
    if (c.type !== 'code') continue;
    const outputs = c.outputs.toJSON().map(o => {
      const data = o.data || {}, fig = data['application/vnd.plotly.v1+json'];
      const title = fig && fig.layout && fig.layout.title ? (typeof fig.layout.title === 'string' ? fig.layout.title : fig.layout.title.text || '') : null;
      const text = o.output_type === 'stream' ? (Array.isArray(o.text) ? o.text.join('') : o.text)
                 : o.output_type === 'error' ? o.ename + ': ' + o.evalue : '';
      const points = fig && fig.data && fig.data[0] && fig.data[0].x ? fig.data[0].x.length : null;
      return {type: o.output_type, name: o.name || null, mimes: Object.keys(data), plotly: title, points, text: text.slice(0, 20000)};
    });
    // what the page draws: plotly keeps the drawn figure on its graph element
    const drawn = [...p.content.widgets[i].node.querySelectorAll('.js-plotly-plot')].map(g => g.data && g.data[0] && g.data[0].x ? g.data[0].x.length : null);
    cells.push({i, count: c.executionCount, source: c.sharedModel.getSource(), timing: c.getMetadata('execution') || null, outputs, drawn});
  }
  return cells;
}"""


def _duration(timing: dict | None) -> float | None:
    "Seconds a cell ran, from the timing JupyterLab records (`recordTiming`)"
    from datetime import datetime
    try: return (datetime.fromisoformat(timing["shell.execute_reply"]) - datetime.fromisoformat(timing["iopub.execute_input"])).total_seconds()
    except (TypeError, KeyError, ValueError): return None


def _shows_progress(outputs: list[dict]) -> bool:
    "A bar (text or widget), a chart shown while the cell ran (the live curve), or a log of steps printed as they happen"
    return any(o["type"] == "stream" and (BAR.search(o["text"]) or o["text"].count("\n") >= 2)
               or o["type"] == "display_data" and any(m in o["mimes"] for m in ("application/vnd.jupyter.widget-view+json", "application/vnd.plotly.v1+json"))
               for o in outputs)


def _imports_only(source: str) -> bool:
    "A cell of imports alone: importing torch/transformers/TRL takes seconds to tens of seconds (disk cache, load) and cannot show progress"
    lines = [l.strip() for l in source.splitlines() if l.strip() and not l.strip().startswith("#")]
    return bool(lines) and all(re.match(r"(from\s+\S+\s+)?import\s", l) for l in lines)


def _cell_problems(cells: list[dict]) -> list[str]:
    "What a teacher would stop the class for: errors, unexpected warnings, more than one loss chart per cell, long silent cells"
    out = []
    for c in cells:
        where = f"cell {c['i']} {c['source'][:70]!r}"
        if c["count"] is None: out.append(f"{where}: never ran")
        seen = set()
        for o in c["outputs"]:
            if o["type"] == "error": out.append(f"{where}: raised {o['text'][:300]}")
            if o["type"] == "stream" and o["name"] == "stderr":
                for line in re.split(r"[\r\n]+", o["text"]):
                    if line.strip() and not BAR.search(line) and line not in seen:
                        seen.add(line); out.append(f"{where}: unexpected stderr: {line[:300]}")
        losses = [o for o in c["outputs"] if o["plotly"] is not None and "loss" in o["plotly"].lower()]
        if len(losses) > 1: out.append(f"{where}: {len(losses)} loss charts (the live curve must update one chart in place)")
        held = [o["points"] for o in c["outputs"] if o["plotly"] is not None]
        if c.get("drawn") is not None and sorted(map(str, held)) != sorted(map(str, c["drawn"])):
            out.append(f"{where}: the page draws charts of {c['drawn']} points, the notebook holds {held} (a chart not redrawn in place)")
        d = _duration(c["timing"])
        if d is not None and d > SLOW_CELL and not _shows_progress(c["outputs"]) and not _imports_only(c["source"]): out.append(f"{where}: ran {d:.0f} s with no progress display")
    return out


def test_walk_checks_catch():
    "The walkthrough's checks themselves, on cells written to fail them (no browser needed)"
    t = lambda s: {"iopub.execute_input": "2026-11-30T10:00:00.000Z", "shell.execute_reply": f"2026-11-30T10:00:{s:02d}.000Z"}
    chart = lambda title, kind="display_data", n=3: {"type": kind, "name": None, "mimes": ["application/vnd.plotly.v1+json"], "plotly": title, "points": n, "text": ""}
    err = lambda text: {"type": "stream", "name": "stderr", "mimes": [], "plotly": None, "text": text}
    cells = [{"i": 0, "count": 1, "source": "ok", "timing": t(3), "outputs": [err("Map: 100%|##########| 10/10 [00:00<00:00, 1000 examples/s]")]},
             {"i": 1, "count": 2, "source": "warns", "timing": t(1), "outputs": [err("FutureWarning: x is deprecated\n")]},
             {"i": 2, "count": 3, "source": "curves", "timing": t(5), "outputs": [chart("SFT loss"), chart("SFT loss")]},
             {"i": 3, "count": 4, "source": "silent", "timing": t(40), "outputs": [chart("result", "execute_result")]},
             {"i": 4, "count": 5, "source": "live", "timing": t(40), "outputs": [chart("SFT loss")]},
             {"i": 5, "count": None, "source": "skipped", "timing": None, "outputs": []},
             {"i": 6, "count": 6, "source": "#| export\nfrom trl import SFTTrainer\nimport torch  # slow to load", "timing": t(25), "outputs": []},
             {"i": 7, "count": 7, "source": "stale", "timing": t(5), "outputs": [chart("SFT loss", n=6)], "drawn": [1]},
             {"i": 8, "count": 8, "source": "redrawn", "timing": t(5), "outputs": [chart("SFT loss", n=6)], "drawn": [6]}]
    problems = _cell_problems(cells)
    assert [p.split(" ")[1] for p in problems] == ["1", "2", "3", "5", "7"], problems
    assert "draws charts of [1] points, the notebook holds [6]" in problems[4], problems[4]
    assert "FutureWarning" in problems[0] and "2 loss charts" in problems[1] and "40 s" in problems[2] and "never ran" in problems[3]


@pytest.mark.parametrize("name", WALK)
def test_walkthrough(served, name):
    t0 = time.monotonic(); deadline = t0 + WALK_BUDGET
    page, failed = served.ctx.new_page(), True
    try:
        console_errors = _open_notebook(page, served, f"{name}.ipynb", deadline)
        ok = page.evaluate(JS_RUN_ALL, _left(deadline))
        _wait_idle(page, deadline)
        cells = page.evaluate(JS_WALK_CELLS)
        page.screenshot(path=str(served.shots / f"walk-{name}.png"))
        problems = _cell_problems(cells)
        assert not problems, f"{name}: " + "\n".join(problems)
        assert ok is True, "notebook:run-all-cells reported failure"
        assert not console_errors, f"uncaught page errors: {console_errors}"
        slow = sorted(((_duration(c["timing"]) or 0, c["i"]) for c in cells), reverse=True)[:3]
        page.locator(".jp-Notebook .jp-Cell").nth(slow[0][1]).screenshot(path=str(served.shots / f"walk-{name}-longest.png"))  # what a learner watched longest
        print(f"{name}: {len(cells)} code cells in {time.monotonic() - t0:.0f} s; longest cells {[(i, round(d)) for d, i in slow]}")
        failed = False
    finally:
        _close(page, served.shots, failed, f"walk-{name}")
