"""Real-browser test of the mask view notebook: JupyterLab + headless Chromium (Debian `chromium`, driven by
the Python `playwright` package; `make browser` installs it). Runs `nbs/14_maskwidget.ipynb` top to bottom
in a live kernel, checks the plain-HTML view and the anywidget rendered, clicks a widget token and reads
the selection back from the kernel, and screenshots both views into `runs/browser/` for a human to look at.
Recipe: shared/docs/browser-testing.md."""
from __future__ import annotations
import json, os, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parent.parent
NB = REPO / "nbs" / "14_maskwidget.ipynb"
CHROMIUM = Path(os.environ.get("TOOLFT_CHROMIUM", "/usr/bin/chromium"))
SHOTS = REPO / "runs" / "browser"
BUDGET = 120  # seconds for all waits together
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
    "windowingMode none (else off-screen cells are never painted) and no news/update toasts over the page"
    for rel, val in {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
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


def test_maskview_in_jupyterlab(tmp_path):
    t0 = time.monotonic(); deadline = t0 + BUDGET
    if not CHROMIUM.exists(): _unavailable(f"{CHROMIUM} not found; run `make browser` (apt-get install -y chromium)")
    try: from playwright.sync_api import sync_playwright
    except ImportError as e: _unavailable(f"python playwright not importable ({e}); install the dev extras (`make install`)")
    try: import jupyterlab, anywidget  # noqa: F401
    except ImportError as e: _unavailable(f"jupyterlab/anywidget not importable ({e}); install the lab extras (`make install`)")
    from toolft.fixtures import fixtures_dir
    fixtures = fixtures_dir(REPO)  # the notebook's server gets it through TOOLFT_FIXTURES

    # A served copy laid out like the repo: its last cell runs nbdev_export, which needs the project config and
    # then writes into this copy's toolft/, never into the repo.
    site = tmp_path / "site"; proj = site / "proj"
    (proj / "nbs").mkdir(parents=True)
    shutil.copy(NB, proj / "nbs" / NB.name)
    shutil.copy(REPO / "pyproject.toml", proj / "pyproject.toml")
    shots = tmp_path / "shots"; shots.mkdir()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "failure.png").unlink(missing_ok=True)

    lab = Lab(site, tmp_path / "jupyter", {"TOOLFT_FIXTURES": str(fixtures)})
    page = None
    try:
        lab.wait_ready(deadline)
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
                                                        args=CHROME_ARGS, viewport={"width": 1400, "height": 2400})
            try:
                page = ctx.pages[0] if ctx.pages else ctx.new_page()
                console_errors = []
                page.on("pageerror", lambda e: console_errors.append(str(e)))
                page.goto(f"{lab.url}/lab/tree/proj/nbs/{NB.name}", timeout=_left(deadline, 60))
                page.wait_for_function("() => !!window.jupyterapp", timeout=_left(deadline))
                page.evaluate(JS_APP_RESTORED)
                page.wait_for_function(JS_PANEL_READY, timeout=_left(deadline), polling=200)

                ok = page.evaluate(JS_RUN_ALL, _left(deadline))
                page.wait_for_function("() => { const k = window.__tft.sessionContext.session.kernel; return k && k.status === 'idle'; }",
                                       timeout=_left(deadline), polling=200)
                state = page.evaluate(JS_NOTEBOOK_STATE)
                errors = [(c["i"], c["source"], c["errors"]) for c in state["cells"] if c["errors"]]
                assert not errors, f"cells raised: {errors}"
                not_run = [(c["i"], c["source"]) for c in state["cells"] if c["count"] is None]
                assert not not_run, f"cells never ran: {not_run}"
                assert ok is True, "notebook:run-all-cells reported failure"
                tb = page.evaluate("""() => [...document.querySelectorAll(
                    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText')]
                    .map(n => n.textContent).filter(t => t.includes('Traceback'))""")
                assert not tb, f"traceback in outputs: {tb[0][:2000]}"

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
                info = widget.locator(".tft-info")
                page.wait_for_function("() => document.querySelector('.toolft-maskwidget .tft-info').textContent.startsWith('selected #3:')",
                                       timeout=_left(deadline, 10))  # the notebook set w.selected = 3 after displaying w
                k = next(j for j in range(10, n_w) if "tft-trained" in (toks.nth(j).get_attribute("class") or ""))
                tok = toks.nth(k)
                assert tok.get_attribute("data-i") == str(k)
                tok.scroll_into_view_if_needed(timeout=_left(deadline, 10))
                tok.click(timeout=_left(deadline, 10))
                page.wait_for_function("(k) => document.querySelector('.toolft-maskwidget .tft-info').textContent.startsWith(`selected #${k}:`)",
                                       arg=k, timeout=_left(deadline, 10))
                seen = None
                while time.monotonic() < deadline:  # the change reaches the kernel over the comm asynchronously
                    seen = page.evaluate(JS_KERNEL_EXEC, "print(w.selected, w.selected_token['i'], w.selected_token['trained'])").strip()
                    if seen == f"{k} {k} True": break
                    time.sleep(0.2)
                assert seen == f"{k} {k} True", f"clicked token {k}, kernel says {seen!r}"
                widget_cell = page.locator(".jp-Cell", has=page.locator(".toolft-maskwidget")).first
                widget_cell.screenshot(path=str(shots / "maskwidget.png"))
                assert not console_errors, f"uncaught page errors: {console_errors}"
            except BaseException:
                if page is not None:
                    try: page.screenshot(path=str(shots / "failure.png"), full_page=True)
                    except Exception: pass
                raise
            finally:
                for p in shots.glob("*.png"): shutil.copy(p, SHOTS / p.name)
                ctx.close()
    except BaseException as e:
        if not isinstance(e, (pytest.skip.Exception, pytest.fail.Exception)):
            print(f"--- jupyterlab log tail ---\n{lab.log_tail()}")
        raise
    finally:
        lab.stop()
    assert time.monotonic() - t0 < BUDGET + 30
