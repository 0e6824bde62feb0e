"""What the re-evaluation benchmarks share: saved models evaluated on a fresh held-out set, each change from the first
model with a paired bootstrap interval over conversations, one summary file per run (`overcalling_reeval.py`, `grpo_reeval.py`)"""
import argparse, json, random, re, sys, time
from pathlib import Path


def paired_changes(base: list[dict], other: list[dict], metrics, keys, boot: int = 2000, seed: int = 0) -> dict:
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


def reevaluate(doc: str,  # the script's docstring (its first line describes the command)
               eval_config,  # seed -> the `EvalConfig` the models are evaluated with
               metrics_of, turns_of,  # EvalResult -> its metrics / its per-turn rows
               turn_metrics, keys,  # per-turn rows -> the bar's numbers; which of them get intervals
               same_as,  # metrics -> {key: value} that `turn_metrics` must reproduce (one definition, checked on every model)
               meets_bar,  # changes -> {"point": bool, "interval": bool}
               keep=None,  # which metrics go into the summary (default: all)
              ):
    "The command line: evaluate NAME=DIR models (DIR with {seed}) per seed, cached per model; write OUT/summary.json"
    if sys.argv[1:2] == ["--export"]: return export(dict(a.split("=", 1) for a in sys.argv[2:-1]), Path(sys.argv[-1]))
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("models", nargs="+", help="NAME=DIR with {seed} in DIR; the first is the baseline (the SFT model)")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--eval", type=int, default=2000, help="held-out conversations per seed")
    ap.add_argument("--eval-seed", type=int, default=101, help="the held-out set is synthesized with seed K + this (the experiments' own 200: K + 1)")
    ap.add_argument("--boot", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from toolft.world import synthesize, world_tools
    from toolft.validate import prepare
    from toolft.templates import ChatTemplate
    from toolft.evaluate import run_eval, HFGenerator
    torch.set_num_threads(a.threads)
    models = dict(m.split("=", 1) for m in a.models)
    base = next(iter(models))
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    summary = json.loads((out / "summary.json").read_text()) if (out / "summary.json").exists() else {}
    summary["args"] = vars(a)
    reg = world_tools()
    for seed in [int(s) for s in a.seeds.split(",")]:
        evals, _, _ = prepare(synthesize(a.eval, seed=seed + a.eval_seed, split="eval"), None, tools=reg, replay=True, skip_invalid=True)
        turns, row = {}, {}
        for name, pattern in models.items():
            path, t0 = Path(pattern.format(seed=seed)), time.time()
            cache = out / f"seed{seed}" / (re.sub(r"\W+", "_", name).strip("_") + ".json")
            saved = json.loads(cache.read_text()) if cache.exists() else None
            if saved is None or saved["model"] != str(path):
                model, tok = AutoModelForCausalLM.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)
                res = run_eval(evals, HFGenerator(model, tok, 160, 50, seed), ChatTemplate(path), reg, eval_config(seed), progress=False)
                saved = {"model": str(path), "metrics": metrics_of(res), "turns": turns_of(res), "seconds": round(time.time() - t0)}
                check, want = turn_metrics(saved["turns"]), same_as(saved["metrics"])
                assert all(check[k] is None or abs(check[k] - v) < 2e-3 for k, v in want.items()), (check, want)  # metrics_of rounds to 4 places
                cache.parent.mkdir(parents=True, exist_ok=True); cache.write_text(json.dumps(saved) + "\n")
            turns[name] = saved["turns"]
            row[name] = {"metrics": {k: v for k, v in saved["metrics"].items() if keep is None or k in keep}, "seconds": saved["seconds"],
                         "turn_metrics": turn_metrics(saved["turns"])}  # the numbers the changes are taken between, the baseline's too
            if curves := training_curves(path.parent / "metrics.json"): row[name]["training"] = curves
            if name != base:
                ch = paired_changes(turns[base], saved["turns"], turn_metrics, keys, a.boot, seed)
                row[name] |= {"change": ch, "bar": meets_bar(ch)}
            print(seed, name, json.dumps(row[name]), flush=True)
        summary.setdefault("seeds", {})[str(seed)] = row
        (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")


CURVE_KEYS = ("reward", "tools/call_frequency", "tools/failure_frequency")  # beside every `rewards/<component>/mean`


def training_curves(metrics_file: Path) -> dict | None:
    "The logged reward per step (the total, each component's mean, tool-call and failure frequencies) of a run that saved its history beside the model (`demo_stage.py`)"
    if not metrics_file.exists(): return None
    history = json.loads(metrics_file.read_text()).get("history") or []
    rows = [h for h in history if "reward" in h]
    if not rows: return None
    keys = [k for k in rows[0] if k in CURVE_KEYS or (k.startswith("rewards/") and k.endswith("/mean"))]
    return {"step": [h["step"] for h in rows], **{k: [None if h.get(k) is None else round(h[k], 4) for h in rows] for k in keys}}


def export(sets: dict, path: Path) -> dict:
    """Several re-evaluations (name -> OUT) in one JSON file: each OUT/summary.json (per seed and model: metrics, changes, intervals, the bar).
    OUT1+OUT2+...: one set from runs of one seed each (their seeds merged; "args": each run's)"""
    def one(out: str) -> dict:
        parts = [json.loads((Path(o) / "summary.json").read_text()) for o in out.split("+")]
        if len(parts) == 1: return parts[0]
        return {"args": [p["args"] for p in parts], "seeds": {s: row for p in parts for s, row in p["seeds"].items()}}
    data = {name: one(out) for name, out in sets.items()}
    Path(path).write_text(json.dumps(data, indent=1) + "\n")
    return data
