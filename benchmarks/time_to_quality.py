"""Time-to-quality curve of the embedded tiny model on this CPU (run by hand, not a test)

One training run of `tiny_learning.py` (same arguments, same recipe defaults) that stops every `--every` seconds of
training to score greedy first turns of `--probe-eval` held-out records; probe time is not counted as training
time. Writes the curve (training seconds, steps, tool selection, exact arguments, ...) as JSON and CSV, and a
self-contained plotly HTML figure.

    .venv/bin/python benchmarks/time_to_quality.py --seconds 330 --every 30 -o runs/ttq
    .venv/bin/python benchmarks/time_to_quality.py --seconds 330 --every 30 -o runs/ttq -- --lr 4e-3   # extra tiny_learning arguments

Note: with a cosine schedule over the whole budget, the point at t seconds is "t seconds into a run of --seconds",
not "a run of t seconds" (which would have decayed its learning rate by then and usually scores higher).
"""
import argparse, csv, json, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import tiny_learning  # noqa: E402

COLS = ("seconds", "step", "tokens", "tool_selection", "arguments", "format_validity", "no_tool", "clarification")  # the suite's scorers


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=330)
    ap.add_argument("--every", type=float, default=30, help="probe every this many training seconds")
    ap.add_argument("--probe-eval", type=int, default=60, help="held-out records per probe")
    ap.add_argument("-o", "--out", default="runs/ttq")
    ap.add_argument("rest", nargs="*", help="further tiny_learning.py arguments (after --)")
    a = ap.parse_args(argv)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    summary = tiny_learning.main(["--seconds", str(a.seconds), "--probe-every", str(a.every), "--probe-eval", str(a.probe_eval),
                                  "--eval", str(max(a.probe_eval, 100)), "--out", str(out / "run.json"), *a.rest])
    final = summary["stages"]["sft"]
    curve = [{"seconds": 0.0, "step": 0, "tokens": 0, **{k: summary["stages"]["base"].get(k) for k in COLS[3:]}}] + summary["curve"]
    curve.append({"seconds": summary["train"]["seconds"], "step": summary["train"]["steps"], "tokens": summary["train"]["tokens"],
                  **{k: final.get(k) for k in COLS[3:]}, "final": True})
    (out / "curve.json").write_text(json.dumps(curve, indent=1) + "\n")
    with open(out / "curve.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS, extrasaction="ignore"); w.writeheader(); w.writerows(curve)
    import plotly.graph_objects as go
    fig = go.Figure([go.Scatter(x=[r["seconds"] for r in curve], y=[r.get(k) for r in curve], mode="lines+markers", name=k)
                     for k in ("tool_selection", "arguments", "format_validity")])
    fig.update_layout(title=f"held-out quality vs training seconds ({summary['train']['tokens_per_s']} tokens/s, {summary['threads']} thread(s))",
                      xaxis_title="training seconds", yaxis_title="score", yaxis_range=[0, 1.05], height=420)
    fig.write_html(out / "curve.html", include_plotlyjs=True)
    for r in curve: print({k: r.get(k) for k in COLS})
    print(f"wrote {out / 'curve.json'}, {out / 'curve.csv'}, {out / 'curve.html'}")
    return curve


if __name__ == "__main__": main()
