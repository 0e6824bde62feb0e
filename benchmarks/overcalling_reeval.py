"""The over-calling experiment's saved models on a larger held-out set, with paired bootstrap intervals (by hand, not a test)

`benchmarks/overcalling.py` evaluates each model on 200 held-out conversations: about 100 turns whose gold is a call, so one
turn moves exact arguments by 0.01 and the bar "call skills within 0.02 of the SFT model" is two turns. This script takes
the models a run saved (OUT/seed<k>/sft_call_heavy, dpo, dpo_round2, ...), evaluates them on a fresh held-out set of any
size (first replies, the experiment's generation settings), and for each model against the first one named (the SFT model)
reports the change of decision macro-F1, unnecessary-call rate, tool selection and exact arguments — and, to split the
last, the share of call turns the model calls (`call_recall`) and exact arguments over those (`arguments_when_called`) — with a 95% paired
bootstrap interval (the same conversations resampled for both models), and whether the issue's bar is met.

    .venv/bin/python benchmarks/overcalling_reeval.py --seeds 0,1,2,3,4,5 --eval 1000 -o runs/oc_reeval \\
        "sft=runs/oc_r2b/seed{seed}/sft_call_heavy" "second round, balanced=runs/oc_r2b/seed{seed}/dpo_round2"

Writes OUT/seed<k>/<model>.json (metrics and the per-turn outcomes the bootstrap resamples; a model already evaluated is
read back) and OUT/summary.json (per seed and model: metrics, changes against the first model, intervals, the bar); prints
one line per model. `--export NAME=OUT ... PATH` writes several OUT/summary.json to one file
(`benchmarks/results/overcalling_reeval.json`, what `41_dpo` reads).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)
from overcalling import metrics_of
from _reeval import reevaluate

BAR_KEYS = ("macro_f1", "unnecessary_call_rate", "tool_selection", "arguments")
# exact arguments is 0 on a call turn the model does not call: these two split its change into the decision to call and the copying
SPLIT_KEYS = ("call_recall", "arguments_when_called")


def turns_of(res) -> list[dict]:
    "Per first reply: the gold and predicted decision class and the tool-selection and exact-argument scores (None: not applicable)"
    from toolft.score import predicted_class
    val = lambda s, k: None if s["scores"][k] is None else s["scores"][k].value
    return [{"id": t.id, "gold": t.golds[0].decision, "pred": predicted_class(s["parsed"], t.tools),
             "tool_selection": val(s, "tool_selection"), "arguments": val(s, "arguments")} for t, s in res.firsts()]


def bar_metrics(turns: list[dict]) -> dict:
    "The bar's four numbers from per-turn outcomes, defined as `overcalling.metrics_of` defines them"
    from collections import Counter, defaultdict
    from toolft.evaluate import macro_f1
    conf = defaultdict(Counter)
    for t in turns: conf[t["gold"]][t["pred"]] += 1
    non_call = [t for t in turns if t["gold"] != "tool_call"]
    mean = lambda xs: sum(xs) / len(xs) if xs else None
    return {"macro_f1": macro_f1(conf), "unnecessary_call_rate": mean([t["pred"] == "tool_call" for t in non_call]),
            "tool_selection": mean([t["tool_selection"] for t in turns if t["tool_selection"] is not None]),
            "arguments": mean([t["arguments"] for t in turns if t["arguments"] is not None]),
            "call_recall": mean([t["pred"] == "tool_call" for t in turns if t["gold"] == "tool_call"]),
            "arguments_when_called": mean([t["arguments"] for t in turns if t["gold"] == "tool_call" and t["pred"] == "tool_call" and t["arguments"] is not None])}


def meets_bar(ch: dict) -> dict:
    "The issue's bar on point changes (macro-F1 up, unnecessary calls down, call skills within 0.02), and on the interval's far end"
    return {"point": ch["macro_f1"][0] > 0 and ch["unnecessary_call_rate"][0] < 0 and ch["tool_selection"][0] >= -0.02 and ch["arguments"][0] >= -0.02,
            "interval": ch["macro_f1"][1] > 0 and ch["unnecessary_call_rate"][2] < 0 and ch["tool_selection"][1] >= -0.02 and ch["arguments"][1] >= -0.02}


if __name__ == "__main__":
    from toolft.evaluate import EvalConfig
    reevaluate(__doc__, lambda seed: EvalConfig(max_steps=1, first_turn_only=True, max_new_tokens=160, batch_size=50, seed=seed),
               metrics_of, turns_of, bar_metrics, BAR_KEYS + SPLIT_KEYS, lambda m: {k: m[k] for k in BAR_KEYS}, meets_bar,
               keep=("macro_f1", "unnecessary_call_rate", "no_tool", "clarify", "unavailable_tool", "irrelevant_tools", "tool_selection", "arguments", "format_validity", "n"))
