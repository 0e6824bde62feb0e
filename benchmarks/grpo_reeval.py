"""GRPO's saved models on a larger held-out set, whole conversations with the tools executed, with paired bootstrap intervals (by hand, not a test)

The demo evaluates on 200 held-out conversations (about 240 user turns): one turn moves trajectory success by 0.004, and the
changes GRPO made in `51_grpo` are a turn or two. This script evaluates saved models (the SFT model first, then models
trained from it) on a fresh held-out set of any size as the demo evaluates (`toolft.demo.whole_conversations`), and for each
model against the first reports the change of trajectory success and of the hack indicators of `benchmarks/grpo_tools.py`
(calls per turn against the gold's, repeated calls, well-formed empty replies, malformed replies), each with a 95% paired
bootstrap interval over the conversations, and whether issue 15's bar is met: trajectory success up, and no hack indicator
worse than the SFT model's (`bar`: by point estimate, by the interval's far end, and whether each hack indicator's far end is
within the non-inferiority margin `MARGIN`). Trajectory success is also split by the turn's gold (`success_call_turns`: the gold calls a
tool; `success_no_call_turns`), and a model saved beside a `metrics.json` with a training history (`demo_stage.py`) gets its
reward curves (`training`: the total and each component's mean per step, tool-call and failure frequencies) in the summary.

    .venv/bin/python benchmarks/grpo_reeval.py --seeds 0 --eval 2000 -o runs/grpo_reeval \\
        "sft=runs/demo/sft" "grpo=runs/stage/grpo_from_sft/grpo"

Writes OUT/seed<k>/<model>.json (metrics and per-turn outcomes) and OUT/summary.json; `--export NAME=OUT ... PATH` writes
several OUT/summary.json to one file (`benchmarks/results/grpo_reeval.json`, what `51_grpo` reads).
"""
import json, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)
from grpo_tools import metrics_of
from _reeval import reevaluate

KEYS = ("trajectory_success", "calls_off_gold", "repeated_calls", "empty_replies", "malformed_replies", "arguments_every_reply",
        "success_call_turns", "success_no_call_turns")  # trajectory success split by whether the gold calls a tool in the turn


def turns_of(res) -> list[dict]:
    "Per user turn: success, its calls against the gold's, repeats, empty and malformed replies, and its exact-argument scores"
    from toolft.evaluate import EvalResult
    rows = []
    for t in res.trajectories:
        if not t.steps: continue
        calls = [(c["name"], json.dumps(c["arguments"], sort_keys=True)) for s in t.steps for c in s["parsed"].calls]
        rows.append({"id": t.id, "success": EvalResult._trajectory(t)["success"], "calls": len(calls), "repeats": len(calls) - len(set(calls)),
                     "gold_calls": sum(len(g.acceptable or g.calls) for g in t.golds), "replies": len(t.steps),
                     "empty": sum(not s["parsed"].calls and not s["parsed"].content.strip() and s["parsed"].ok for s in t.steps),
                     "malformed": sum(not s["parsed"].ok for s in t.steps),
                     "args": [s["scores"]["arguments"].value for s in t.steps if s["scores"]["arguments"] is not None]})
    return rows


def turn_metrics(rows: list[dict]) -> dict:
    "The bar's numbers from per-turn rows, defined as `grpo_tools.metrics_of` defines them (`calls_off_gold`: |calls per turn - the gold's|)"
    n, replies, args = len(rows), sum(r["replies"] for r in rows), [a for r in rows for a in r["args"]]
    call, no_call = [r for r in rows if r["gold_calls"]], [r for r in rows if not r["gold_calls"]]  # turns whose gold calls a tool, and the rest
    mean = lambda part, k: sum(r[k] for r in part) / len(part) if part else None
    return {"trajectory_success": mean(rows, "success"), "calls_off_gold": abs(sum(r["calls"] - r["gold_calls"] for r in rows)) / n,
            "repeated_calls": mean(rows, "repeats"), "empty_replies": sum(r["empty"] for r in rows) / replies,
            "malformed_replies": sum(r["malformed"] for r in rows) / replies, "arguments_every_reply": sum(args) / len(args) if args else None,
            "success_call_turns": mean(call, "success"), "success_no_call_turns": mean(no_call, "success"),
            "call_turns": len(call), "calls_per_call_turn": mean(call, "calls"), "gold_calls_per_call_turn": mean(call, "gold_calls")}


# Non-inferiority margin for the hack indicators (session 40, fixed before its runs): "not worse" read as the interval's far end
# at most one more event per 200 turns or replies. The point reading fails about half the time between two models of equal
# rates at these counts; the "interval" reading (far end <= 0) asks for a significant improvement.
MARGIN = 0.005


def meets_bar(ch: dict) -> dict:
    "Issue 15's bar on point changes (trajectory success up, no hack indicator up), on the interval's far end, and hack indicators within `MARGIN`"
    hacks = ("calls_off_gold", "repeated_calls", "empty_replies", "malformed_replies")
    return {"point": ch["trajectory_success"][0] > 0 and all(ch[k][0] <= 0 for k in hacks),
            "interval": ch["trajectory_success"][1] > 0 and all(ch[k][2] <= 0 for k in hacks),
            "hacks_within_margin": all(ch[k][2] <= MARGIN for k in hacks)}


if __name__ == "__main__":
    from toolft.demo import whole_conversations
    reevaluate(__doc__, whole_conversations, metrics_of, turns_of, turn_metrics, KEYS,
               lambda m: {"trajectory_success": m["trajectory_success"], "calls_off_gold": abs(m["calls_per_turn"] - m["gold_calls_per_turn"]),
                          **{k: m[k] for k in ("repeated_calls", "empty_replies", "malformed_replies")}}, meets_bar)
