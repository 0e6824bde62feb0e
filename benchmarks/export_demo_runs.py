"""Collect finished `toolft demo` / `make demo` runs into one results file for the notebooks (by hand, not a test)

Each NAME=PATTERN names a group of runs; PATTERN holds `{seed}` and points at the demo's output directories (`runs/demo`).
Writes, per group and seed, what the time and quality bars read: the seconds before the pipeline and of it, the budget,
every check of `metrics.json`, the SFT stage's steps and tokens per second, whether DPO was kept, GRPO's steps, and each
stage's first-reply headline and whole-conversation trajectory success:

    .venv/bin/python benchmarks/export_demo_runs.py --seeds 0,1,2 "fresh clone=/tmp/fc31_s{seed}/runs/demo" --wall 0=544.8,1=593.2 \\
        --command "..." --question "..." -o benchmarks/results/demo_fresh.json
"""
import argparse, json
from pathlib import Path

FIRST = ("format_validity", "tool_selection", "arguments", "no_tool", "clarification", "macro_f1", "unnecessary_call_rate")

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("groups", nargs="+", help="NAME=PATTERN, PATTERN with {seed}")
ap.add_argument("--seeds", default="0,1,2")
ap.add_argument("--command", default="", help="the command that made the runs, recorded in the file")
ap.add_argument("--question", default="", help="what the runs were to answer, recorded in the file")
ap.add_argument("--wall", default="", help="K=SECONDS,...: each seed's command wall time as `time` measured it (the first group)")
ap.add_argument("-o", "--out", required=True)
a = ap.parse_args()
wall = dict(kv.split("=") for kv in a.wall.split(",") if kv)
out = {"command": a.command, "question": a.question, "runs": {}}
for group in a.groups:
    name, pattern = group.split("=", 1)
    first = not out["runs"]
    for k in a.seeds.split(","):
        m = json.loads((Path(pattern.format(seed=k)) / "metrics.json").read_text())
        t = m["train"]
        out["runs"].setdefault(name, {})[k] = {
            "seconds_command": float(wall[k]) if k in wall and first else None,
            "seconds_before": m["seconds_before"], "seconds_pipeline": m["seconds_total"], "budget": m["budget"], "checks": m["checks"],
            "sft": {x: t["sft"][x] for x in ("steps", "seconds", "tokens_per_second")},
            "dpo": {"pairs": t["dpo"]["pairs"], "kept": t["dpo"]["kept"], "validation": t["dpo"].get("validation")},
            "grpo": {x: t["grpo"][x] for x in ("steps", "seconds")},
            "first_replies": {s: {x: m["first_replies"][s].get(x) for x in FIRST} for s in m["first_replies"]},
            "trajectory_success": {s: m["stages"][s]["trajectory"]["success"] for s in m["stages"]}}
Path(a.out).write_text(json.dumps(out, indent=1))
print(f"wrote {a.out}: " + ", ".join(f"{n} ({len(r)} seeds)" for n, r in out["runs"].items()))
