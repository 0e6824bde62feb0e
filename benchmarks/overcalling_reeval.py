"""The over-calling experiment's saved models on a larger held-out set, with paired bootstrap intervals (by hand, not a test)

`benchmarks/overcalling.py` evaluates each model on 200 held-out conversations: about 100 turns whose gold is a call, so one
turn moves exact arguments by 0.01 and the bar "call skills within 0.02 of the SFT model" is two turns. This script takes
the models a run saved (OUT/seed<k>/sft_call_heavy, dpo, dpo_round2, ...), evaluates them on a fresh held-out set of any
size (first replies, the experiment's generation settings), and for each model against the first one named (the SFT model)
reports the change of decision macro-F1, unnecessary-call rate, tool selection and exact arguments with a 95% paired
bootstrap interval (the same conversations resampled for both models), and whether the issue's bar is met.

    .venv/bin/python benchmarks/overcalling_reeval.py --seeds 0,1,2,3,4,5 --eval 1000 -o runs/oc_reeval \\
        "sft=runs/oc_r2b/seed{seed}/sft_call_heavy" "second round, balanced=runs/oc_r2b/seed{seed}/dpo_round2"

Writes OUT/seed<k>/<model>.json (metrics and the per-turn outcomes the bootstrap resamples; a model already evaluated is
read back) and OUT/summary.json (per seed and model: metrics, changes against the first model, intervals, the bar); prints
one line per model. `--export NAME=OUT ... PATH` writes several OUT/summary.json to one file
(`benchmarks/results/overcalling_reeval.json`, what `41_dpo` reads).
"""
import argparse, json, random, re, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)
from overcalling import metrics_of

BAR_KEYS = ("macro_f1", "unnecessary_call_rate", "tool_selection", "arguments")


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
            "arguments": mean([t["arguments"] for t in turns if t["arguments"] is not None])}


def paired_changes(base: list[dict], other: list[dict], metrics=bar_metrics, keys=BAR_KEYS, boot: int = 2000, seed: int = 0) -> dict:
    """{key: (change, low, high)}: `metrics(other)` minus `metrics(base)` on the same held-out conversations, with a 95% percentile
    interval over `boot` paired resamples of the conversations (rows share a conversation when their ids do before the `#`)"""
    b, o = {t["id"]: t for t in base}, {t["id"]: t for t in other}
    if b.keys() != o.keys(): raise ValueError(f"the two evaluations cover different turns ({len(b)}, {len(o)}, {len(b.keys() & o.keys())} shared)")
    groups = {}
    for i in b: groups.setdefault(i.split("#")[0], []).append(i)
    groups = list(groups.values())
    point = {k: metrics(list(o.values()))[k] - metrics(list(b.values()))[k] for k in keys}
    rng, draws = random.Random(seed), {k: [] for k in keys}
    for _ in range(boot):
        pick = [i for _ in groups for i in groups[rng.randrange(len(groups))]]
        mb, mo = metrics([b[i] for i in pick]), metrics([o[i] for i in pick])
        for k in keys:
            if mb[k] is not None and mo[k] is not None: draws[k].append(mo[k] - mb[k])
    def interval(xs):
        xs = sorted(xs)
        return xs[int(0.025 * (len(xs) - 1))], xs[int(0.975 * (len(xs) - 1))]
    return {k: tuple(round(x, 4) for x in (point[k], *interval(draws[k]))) for k in keys}


def meets_bar(ch: dict) -> dict:
    "The issue's bar on point changes (macro-F1 up, unnecessary calls down, call skills within 0.02), and on the interval's far end"
    return {"point": ch["macro_f1"][0] > 0 and ch["unnecessary_call_rate"][0] < 0 and ch["tool_selection"][0] >= -0.02 and ch["arguments"][0] >= -0.02,
            "interval": ch["macro_f1"][1] > 0 and ch["unnecessary_call_rate"][2] < 0 and ch["tool_selection"][1] >= -0.02 and ch["arguments"][1] >= -0.02}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", help="NAME=DIR with {seed} in DIR; the first is the baseline (the SFT model)")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--eval", type=int, default=1000, help="held-out conversations per seed")
    ap.add_argument("--eval-seed", type=int, default=101, help="the held-out set is synthesized with seed K + this (the experiment's own 200: K + 1)")
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from toolft.world import synthesize, world_tools
    from toolft.validate import prepare
    from toolft.templates import ChatTemplate
    from toolft.evaluate import run_eval, HFGenerator, EvalConfig
    torch.set_num_threads(a.threads)
    models = dict(m.split("=", 1) for m in a.models)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    summary = json.loads((out / "summary.json").read_text()) if (out / "summary.json").exists() else {}
    summary["args"] = vars(a)
    reg = world_tools()
    for seed in [int(s) for s in a.seeds.split(",")]:
        evals, _, _ = prepare(synthesize(a.eval, seed=seed + a.eval_seed, split="eval"), None, tools=reg, replay=True, skip_invalid=True)
        first = EvalConfig(max_steps=1, first_turn_only=True, max_new_tokens=160, batch_size=50, seed=seed)
        turns, row = {}, {}
        for name, pattern in models.items():
            path, t0 = Path(pattern.format(seed=seed)), time.time()
            cache = out / f"seed{seed}" / (re.sub(r"\W+", "_", name).strip("_") + ".json")
            if cache.exists() and json.loads(cache.read_text())["model"] == str(path):
                saved = json.loads(cache.read_text())
            else:
                model, tok = AutoModelForCausalLM.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)
                res = run_eval(evals, HFGenerator(model, tok, 160, 50, seed), ChatTemplate(path), reg, first, progress=False)
                saved = {"model": str(path), "metrics": metrics_of(res), "turns": turns_of(res), "seconds": round(time.time() - t0)}
                check = bar_metrics(saved["turns"])
                assert all(check[k] is None or abs(check[k] - saved["metrics"][k]) < 1e-3 for k in BAR_KEYS), (check, saved["metrics"])  # one definition
                cache.parent.mkdir(parents=True, exist_ok=True); cache.write_text(json.dumps(saved) + "\n")
            turns[name] = saved["turns"]
            row[name] = {"metrics": {k: saved["metrics"][k] for k in ("macro_f1", "unnecessary_call_rate", "no_tool", "clarify", "unavailable_tool",
                                                                     "irrelevant_tools", "tool_selection", "arguments", "format_validity", "n")}, "seconds": saved["seconds"]}
            if name != next(iter(models)):
                ch = paired_changes(turns[next(iter(models))], saved["turns"], boot=a.boot, seed=seed)
                row[name] |= {"change": ch, "bar": meets_bar(ch)}
            print(seed, name, json.dumps(row[name]), flush=True)
        summary.setdefault("seeds", {})[str(seed)] = row
        (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")


def export(sets: dict, path: Path) -> dict:
    "Several re-evaluations (name -> OUT) in one JSON file: each OUT/summary.json (per seed and model: metrics, changes, intervals, the bar)"
    data = {name: json.loads((Path(out) / "summary.json").read_text()) for name, out in sets.items()}
    Path(path).write_text(json.dumps(data, indent=1) + "\n")
    return data


if __name__ == "__main__":
    if sys.argv[1:2] == ["--export"]: export(dict(a.split("=", 1) for a in sys.argv[2:-1]), Path(sys.argv[-1]))
    else: main()
