"""Collect `benchmarks/demo_stage.py` runs into one results file for the notebooks (by hand, not a test)

Each NAME=PATTERN names a group of runs; PATTERN holds `{seed}` and points at demo_stage.py output directories. Writes, per
group and seed, the steps, tokens and seconds, the first replies' headline metrics and every user turn's (the hack
indicators' file):

    .venv/bin/python benchmarks/export_stage_runs.py --seeds 0,1,2 "12k=runs/s30/ntrain12k_s{seed}" "36k=runs/s30/ntrain36k_s{seed}" \
        --command "..." --question "..." -o benchmarks/results/sft_ntrain.json
"""
import argparse, json
from pathlib import Path

FIRST = ("format_validity", "tool_selection", "arguments", "no_tool", "clarification", "macro_f1")
EVERY = ("macro_f1", "tool_selection", "arguments", "trajectory_success", "malformed_replies", "empty_replies")

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("groups", nargs="+", help="NAME=PATTERN, PATTERN with {seed}")
ap.add_argument("--seeds", default="0,1,2")
ap.add_argument("--command", default="", help="the command that made the runs, recorded in the file")
ap.add_argument("--question", default="", help="what the runs were to answer, recorded in the file")
ap.add_argument("-o", "--out", required=True)
a = ap.parse_args()
out = {"command": a.command, "question": a.question, "runs": {}}
for group in a.groups:
    name, pattern = group.split("=", 1)
    for k in a.seeds.split(","):
        m = json.loads((Path(pattern.format(seed=k)) / "metrics.json").read_text())
        out["runs"].setdefault(name, {})[k] = {"steps": m["steps"], "tokens": m["tokens"], "seconds": m["seconds"],
                                               "first_replies": {x: m["first_replies"].get(x) for x in FIRST},
                                               "every_turn": {x: m["hack"][x] for x in EVERY}}
Path(a.out).write_text(json.dumps(out, indent=1))
print(f"wrote {a.out}: " + ", ".join(f"{n} ({len(r)} seeds)" for n, r in out["runs"].items()))
