"""DPO settings for the staged demo, tried from one demo's SFT model on validation conversations (by hand, not a test)

`toolft demo` writes its SFT model to OUT/sft; this script builds the pairs the way `run_demo` did until session 26 (the decision
types from 600 fresh conversations, the SFT model's own failing samples on 120 more), then for each variant (a JSON list of `DPOConfig`
fields over the recipe below, plus `drop_types` / `keep_types` (type prefixes) / `first_turn_only` / `user_turns_only` (decisions
right after a user message, not after a tool result) to filter the pairs) trains DPO from the SFT model and evaluates it as the demo does: whole conversations, tools executed, the decision
of the first reply of every user turn. `--eval-seed` picks the evaluation conversations: a seed other than the demo's
held-out one (seed + 1) chooses a recipe without looking at the demo's own test set.

    .venv/bin/python benchmarks/demo_dpo.py --demo runs/demo --eval-seed 7 --variants '[{}, {"beta": 0.5}]'
    .venv/bin/python benchmarks/demo_dpo.py --demo runs/demo_s25_s0 --eval-seed 7 --failures 300 \
        --variants '[{}, {"max_steps": -1, "num_train_epochs": 2, "warmup_steps": 0, "user_turns_only": true}]'
    .venv/bin/python benchmarks/demo_dpo.py --demo runs/demo --eval-seed 7 --uniform \
        --types unnecessary_call,forced_call,guessed_argument,hallucinated_answer,repeated_question --variants '[{"learning_rate": 2e-5}]'

Prints the SFT model's row and one row per variant (macro-F1 over every user turn, the unnecessary-call rate, tool selection,
exact arguments, trajectory success, the same on each conversation's first reply, the confusion), and the user turns whose
decision the variant changed.
"""
import argparse, json, pickle, sys, time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)
import torch
from transformers import AutoModelForCausalLM
from toolft.demo import RECIPE, first_replies, fresh_records, whole_conversations
from toolft.pairs import build_pairs, on_policy_pairs, PairReport
from toolft.world import synthesize, world_tools
from toolft.validate import prepare
from toolft.templates import ChatTemplate
from toolft.evaluate import run_eval, HFGenerator, predicted_class
from toolft.dpo import DPOConfig, train_dpo

# The demo's DPO recipe until session 26, which this script explored (the demo now trains on the SFT model's greedy failures and
# gates the result on validation: nbs/91_demo.ipynb): the four decision types from 600 fresh conversations and temperature samples
# of the SFT model on 120 more, 100 steps with warmup.
DECISION_PAIRS = ("unnecessary_call", "forced_call", "guessed_argument", "hallucinated_answer")
PAIRS = dict(records=600, on_policy_records=120, samples=2)
DPO = {**{k: v for k, v in RECIPE["dpo"].items() if k != "num_train_epochs"}, "max_steps": 100, "warmup_steps": 10, "logging_steps": 10}


def demo_pairs(model, tmpl, p, seed, fresh, types=DECISION_PAIRS):
    "`types` from p['records'] fresh conversations (seed + 20) and `model`'s own failing samples on p['on_policy_records'] more (seed + 22)"
    offline, off_rep = build_pairs(fresh(p["records"], seed + 20), tmpl, types=types, seed=seed)
    sampled, on_rep = on_policy_pairs(fresh(p["on_policy_records"], seed + 22), model, tmpl, samples=p["samples"], seed=seed)
    return offline, sampled, PairReport(off_rep.built + on_rep.built, off_rep.kept + on_rep.kept, off_rep.refused + on_rep.refused, {**off_rep.reasons, **on_rep.reasons})


ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--demo", default="runs/demo", help="a `toolft demo` output directory (its tiny/ and sft/)")
ap.add_argument("--seed", type=int, default=0, help="the demo's seed")
ap.add_argument("--eval-seed", type=int, default=None, help="the evaluation conversations' seed (default: the demo's held-out set, seed + 1)")
ap.add_argument("--types", default=",".join(DECISION_PAIRS), help="the offline pair types")
ap.add_argument("--uniform", action="store_true", help="build the offline pairs from every case type in equal shares (default: the SFT recipe's call-heavy mix)")
ap.add_argument("--failures", type=int, default=0, help="instead of those pairs: the SFT model's greedy failures at every decision point of this many "
                "fresh conversations (seed + 22); the demo since session 26 keeps those right after a user message (variant field user_turns_only)")
ap.add_argument("--variants", default="[{}]", help="JSON list of DPOConfig fields over DPO (+ drop_types, keep_types, first_turn_only, user_turns_only)")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("-o", "--out", default="runs/demo_dpo")
a = ap.parse_args()
torch.set_num_threads(a.threads)
demo, out, seed, cfg = Path(a.demo), Path(a.out), a.seed, RECIPE
out.mkdir(parents=True, exist_ok=True)
tmpl, reg = ChatTemplate(demo / "tiny"), world_tools()
eval_seed = seed + 1 if a.eval_seed is None else a.eval_seed
evals, _, _ = prepare(synthesize(cfg["n_eval"], seed=eval_seed, split="eval"), None, tools=reg, replay=True, skip_invalid=True)  # as the demo's held-out set


def sft(): return AutoModelForCausalLM.from_pretrained(demo / "sft")
def evaluate(model): return run_eval(evals, HFGenerator(model, tmpl.tokenizer, 160, 50, seed), tmpl, reg, whole_conversations(seed), progress=False)
def decisions(res): return {t.id: (t.golds[0].decision, predicted_class(t.steps[0]["parsed"], t.tools)) for t in res.trajectories if t.steps}


def row(res) -> dict:
    m, f = res.metrics(), first_replies(res).metrics()
    return {"macro_f1": m["macro_f1"], "unnecessary_calls": m["unnecessary_call_rate"], "tool_selection": m["tool_selection"], "arguments": m["arguments"],
            "trajectory_success": m["trajectory"]["success"], "first_replies_macro_f1": f["macro_f1"], "first_replies_arguments": f["arguments"], "confusion": m["confusion"]}


cache = out / (f"failures_{demo.name}_seed{seed}_{a.failures}.pkl" if a.failures else f"pairs_{demo.name}_seed{seed}_{a.types}{'_uniform' if a.uniform else ''}.pkl")
if cache.exists(): pairs = pickle.loads(cache.read_bytes())
elif a.failures:
    pairs = on_policy_pairs(fresh_records(a.failures, seed + 22, cfg, reg)[0], sft(), tmpl, samples=1, temperature=0.0, seed=seed)[0]
    cache.write_bytes(pickle.dumps(pairs))
else:
    offline, sampled, _ = demo_pairs(sft(), tmpl, PAIRS, seed, types=tuple(a.types.split(",")),
                                     fresh=lambda n, s: fresh_records(n, s, {} if a.uniform and s == seed + 20 else cfg, reg)[0])  # --uniform: the offline pairs only
    pairs = offline + sampled
    cache.write_bytes(pickle.dumps(pairs))
print("pairs", len(pairs), dict(Counter(x["type"] for x in pairs)), flush=True)
base = evaluate(sft()); base_d = decisions(base)
print("SFT", json.dumps(row(base)), flush=True)
for i, v in enumerate(json.loads(a.variants)):
    v = dict(v); shown = dict(v)
    drop, keep, first_only, user_only = v.pop("drop_types", []), v.pop("keep_types", None), v.pop("first_turn_only", False), v.pop("user_turns_only", False)
    use = [x for x in pairs if x["type"] not in drop and (keep is None or any(x["type"].startswith(k) for k in keep)) and (not first_only or x["meta"].get("turn") == 0)
           and (not user_only or x["prompt"][-1]["role"] == "user")]
    t0 = time.time()
    r = train_dpo(DPOConfig(output_dir=str(out / f"v{i}"), seed=seed, **{**DPO, **v}), str(demo / "sft"), use, live=False, progress=False, model=sft())
    res = evaluate(r.model); d = decisions(res)
    print(f"variant {i} {json.dumps(shown)}: {len(use)} pairs, {time.time() - t0:.0f} s", json.dumps(row(res)), flush=True)
    print("   changed decisions (turn, (gold, SFT), DPO):", [(k, base_d[k], d[k][1]) for k in base_d if k in d and base_d[k][1] != d[k][1]], flush=True)
