"""Collect finished runs into one results file for the notebooks (by hand, not a test)

Each NAME=PATTERN names a group of runs; PATTERN holds `{seed}` and points at output directories of either kind:
- `benchmarks/demo_stage.py`: the steps, tokens and seconds, the first replies' headline metrics and every user turn's (the
  hack indicators' file);
- `toolft demo` / `make demo` (a `metrics.json` with `checks`): what its time and quality bars read (the seconds before the
  pipeline and of it, the budget, every check, SFT's steps and tokens per second, each evaluation's seconds, whether DPO was kept, GRPO's steps, each
  stage's first-reply headline and whole-conversation trajectory success, the thread counts chosen by timing), and with `--wall` each
  seed's command time.

    .venv/bin/python benchmarks/export_stage_runs.py --seeds 0,1,2 "12k=runs/s30/ntrain12k_s{seed}" "36k=runs/s30/ntrain36k_s{seed}" \\
        --command "..." --question "..." -o benchmarks/results/sft_ntrain.json
    .venv/bin/python benchmarks/export_stage_runs.py --seeds 0,1,2 "fresh clone=/tmp/fc31_s{seed}/runs/demo" --wall 0=544.8,1=593.2,2=572.7 \\
        --command "..." --question "..." -o benchmarks/results/demo_fresh.json
"""
import argparse, json
from pathlib import Path

FIRST = ("format_validity", "tool_selection", "arguments", "no_tool", "clarification", "macro_f1")
EVERY = ("macro_f1", "tool_selection", "arguments", "trajectory_success", "malformed_replies", "empty_replies")


def stage_run(m: dict) -> dict:
    "A `demo_stage.py` run's numbers"
    return {"steps": m["steps"], "tokens": m["tokens"], "seconds": m["seconds"], "first_replies": {x: m["first_replies"].get(x) for x in FIRST},
            "every_turn": {x: m["hack"][x] for x in EVERY}}


def demo_run(m: dict, wall: str | None) -> dict:
    "A `toolft demo` run's numbers (`wall`: the command's seconds as `time` measured them)"
    t = m["train"]
    return {"seconds_command": float(wall) if wall else None, "seconds_before": m["seconds_before"], "seconds_pipeline": m["seconds_total"],
            "budget": m["budget"], "checks": m["checks"],
            "sft": {x: t["sft"][x] for x in ("steps", "seconds", "tokens_per_second")},
            "dpo": {"pairs": t["dpo"]["pairs"], "kept": t["dpo"]["kept"], "validation": t["dpo"].get("validation")},
            "grpo": {x: t["grpo"][x] for x in ("steps", "seconds")},
            "first_replies": {s: {x: r.get(x) for x in FIRST + ("unnecessary_call_rate",)} for s, r in m["first_replies"].items()},
            "trajectory_success": {s: r["trajectory"]["success"] for s, r in m["stages"].items()},
            # issue 16: every stage of metrics.json carries the same metric keys, and whole conversations give grounding and correctness
            "stage_keys": {s: sorted(r) for s, r in m["stages"].items()},
            "every_reply": {s: {x: r["all_replies"].get(x) for x in ("grounding", "correctness", "arguments")} for s, r in m["stages"].items()},
            "evaluation_seconds": {f"{e['model']} on {e['on']}": e["seconds"] for e in m.get("evaluations", [])},
            "threads": {k: [r["chose"] for r in rows] for k, rows in m.get("threads", {}).items()}}


ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("groups", nargs="+", help="NAME=PATTERN, PATTERN with {seed}")
ap.add_argument("--seeds", default="0,1,2")
ap.add_argument("--command", default="", help="the command that made the runs, recorded in the file")
ap.add_argument("--question", default="", help="what the runs were to answer, recorded in the file")
ap.add_argument("--wall", default="", help="K=SECONDS,... or NAME/K=SECONDS,...: each seed's (each group's seed's) command wall time as `time` measured it (demo runs)")
ap.add_argument("-o", "--out", required=True)
a = ap.parse_args()
wall = dict(kv.split("=") for kv in a.wall.split(",") if kv)
out = {"command": a.command, "question": a.question, "runs": {}}
for group in a.groups:
    name, pattern = group.split("=", 1)
    for k in a.seeds.split(","):
        m = json.loads((Path(pattern.format(seed=k)) / "metrics.json").read_text())
        out["runs"].setdefault(name, {})[k] = demo_run(m, wall.get(f"{name}/{k}", wall.get(k))) if "checks" in m else stage_run(m)
Path(a.out).write_text(json.dumps(out, indent=1))
print(f"wrote {a.out}: " + ", ".join(f"{n} ({len(r)} seeds)" for n, r in out["runs"].items()))
