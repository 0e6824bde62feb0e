"""GRPO with executed tools from an SFT model of the embedded world (issue 15 §3; by hand, not a test)

Per seed:
1. the SFT model: trained here with the demo's recipe and case mix (`toolft.demo.RECIPE`) on 8000 records, but on every
   assistant reply of a turn (`--sft-multiturn auto`: every reply, one sample per conversation where the template allows; the demo trains first replies only, and a model that never saw an
   answer after a tool result has nothing for GRPO to reinforce there) and for `--sft-steps` (400: short of converged, so
   there is something left to improve); or, with `--sft-from DIR`, an earlier run's DIR/seed<k>/sft_balanced;
2. evaluate it on 200 held-out conversations, whole trajectories with executed tools (`run_eval`, up to 4 replies per
   user turn): decision macro-F1, exact arguments, trajectory success (every call's arguments exact, the final answer
   right, as many calls as the gold), and the hack indicators — calls per turn against the gold's, empty replies,
   repeated calls;
3. GRPO (`toolft.grpo.train_grpo`) on fresh train records (same case mix) with the world's tools executing in the
   rollouts and toolft's decomposed reward; evaluate again the same way.

    .venv/bin/python benchmarks/grpo_tools.py --seeds 0,1,2 -o runs/grpo
    .venv/bin/python benchmarks/grpo_tools.py --seeds 0 --steps 20 -o /tmp/grpo   # a quick look
    .venv/bin/python benchmarks/grpo_tools.py --method rloo --sft-from runs/grpo_auto800 --seeds 0 -o runs/compare   # RLOO, same start
    .venv/bin/python benchmarks/grpo_tools.py --method rloo --reward reward-model --reward-model auto --sft-from runs/grpo_auto800 --seeds 0 -o runs/compare

The comparison of issue 16 (nbs/59_compare.ipynb; every stage from the same SFT model of its seed, seeds 0-2; session 41),
per seed K, the first command training the SFT model the others reuse:

    C="--sft-from runs/s41/compare --sft-steps 800 --threads 1 --seeds K -o runs/s41/compare"
    .venv/bin/python benchmarks/grpo_tools.py --method base $C
    .venv/bin/python benchmarks/grpo_tools.py --method best-of-n $C
    .venv/bin/python benchmarks/grpo_tools.py --method dpo --steps 200 --lr 5e-5 --beta 0.1 $C
    .venv/bin/python benchmarks/grpo_tools.py --method rloo --lr 5e-5 $C
    .venv/bin/python benchmarks/grpo_tools.py --method rloo --reward reward-model --reward-model auto --lr 5e-5 $C
    .venv/bin/python benchmarks/grpo_tools.py --steps 60 --lr 1e-4 $C
    .venv/bin/python benchmarks/grpo_tools.py --export runs/s41/compare benchmarks/results/compare.json   # what the notebook reads

With `--method rloo` (toolft.rloo: one reply per decision point, no tool loop in training) the same SFT model and held-out set
are used, and the stage is added to OUT/seed<k>/metrics.json beside the ones already there (the SFT numbers are reused when the
same SFT model was measured on the same held-out set).

Writes OUT/seed<k>/metrics.json (before/after), OUT/seed<k>/history.json (the logged reward components per step),
OUT/summary.json and OUT/grpo.html; `--summarize OUT` rebuilds the summary from every seed in OUT.
"""
import argparse, json, os, statistics, sys, time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import seed_metrics, spread, spread_bars, command_of as _common_command_of

DECISION_TYPES = ("unnecessary_call", "forced_call", "guessed_argument", "hallucinated_answer")
KEYS = ("macro_f1", "arguments", "tool_selection", "trajectory_success", "format_validity", "calls_per_turn", "gold_calls_per_turn",
        "empty_replies", "malformed_replies", "repeated_calls")


def metrics_of(res) -> dict:
    "The experiment's numbers from an `EvalResult` (whole trajectories)"
    from toolft.evaluate import step_means
    m, every = res.metrics(), step_means(res)
    trajs = [t for t in res.trajectories if t.steps]
    calls = [[(c["name"], json.dumps(c["arguments"], sort_keys=True)) for s in t.steps for c in s["parsed"].calls] for t in trajs]
    gold = [sum(len(g.acceptable or g.calls) for g in t.golds) for t in trajs]
    # a malformed reply (a call that does not parse) reads as no call and no text: counted apart, empty means well-formed and empty
    empty = [s for t in trajs for s in t.steps if not s["parsed"].calls and not s["parsed"].content.strip() and s["parsed"].ok]
    malformed = [s for t in trajs for s in t.steps if not s["parsed"].ok]
    replies = sum(len(t.steps) for t in trajs)
    return {"macro_f1": m["macro_f1"], "arguments": m["arguments"], "tool_selection": m["tool_selection"], "format_validity": m["format_validity"],
            "trajectory_success": m["trajectory"]["success"], "calls_per_turn": round(sum(map(len, calls)) / len(trajs), 4),
            "gold_calls_per_turn": round(sum(gold) / len(trajs), 4), "empty_replies": round(len(empty) / replies, 4),
            "malformed_replies": round(len(malformed) / replies, 4),
            "repeated_calls": round(sum(len(c) - len(set(c)) for c in calls) / len(trajs), 4), "n": len(trajs),
            # issue 16's comparison metrics: first replies calling a tool not offered; grounding and correctness over every reply
            "tool_hallucination_rate": m["tool_hallucination_rate"], **{k: every[k] for k in ("grounding", "correctness")}}


def arg_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--sft-from", default=None, help="use earlier SFT models (DIR/seed<k>/sft_balanced, e.g. runs/overcalling, or DIR/seed<k>/sft) where they exist instead of training one")
    ap.add_argument("--sft-steps", type=int, default=400)
    ap.add_argument("--sft-multiturn", default="auto", help="which assistant replies SFT trains (toolft.masks.MULTITURN); the demo's recipe: first")
    ap.add_argument("--records", type=int, default=2000, help="fresh train records for GRPO")
    ap.add_argument("--grpo-mix", default="recipe", choices=["recipe", "balanced"],
                    help="GRPO's case mix: the SFT recipe's (call cases 3x) or every case type equally (as the held-out set)")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--generations", type=int, default=8)
    ap.add_argument("--batch", type=int, default=32, help="rollouts per step (batch / generations prompts)")
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--beta", type=float, default=0.0)
    ap.add_argument("--arguments", default="binary", choices=["binary", "partial"])
    ap.add_argument("--weights", default=None, help="YAML of reward component weights")
    ap.add_argument("--method", default="grpo", choices=["grpo", "rloo", "dpo", "base", "best-of-n"],
                    help="grpo: whole turns with executed tools (toolft.grpo); rloo: one reply per decision point (toolft.rloo, TRL's RLOOTrainer)")
    ap.add_argument("--reward", default="programmatic", choices=["programmatic", "reward-model", "both"], help="RLOO's reward (toolft.rloo.RLOOConfig.reward)")
    ap.add_argument("--reward-model", default=None, help="a reward model directory; 'auto': train one here from the SFT model on pairs of fresh records")
    ap.add_argument("--rm-steps", type=int, default=150, help="reward model steps with --reward-model auto")
    ap.add_argument("--tag", default="", help="appended to the stage's name in metrics.json (another setting of the same method beside the first)")
    ap.add_argument("--pair-records", type=int, default=1200, help="--method dpo: fresh train records the offline pairs are built from")
    ap.add_argument("--onpolicy-records", type=int, default=300, help="--method dpo: fresh records whose decision points the SFT model is sampled on (4 samples each)")
    ap.add_argument("--best-of", type=int, default=4, help="--method best-of-n: samples per step, picked by the programmatic verifier")
    ap.add_argument("--eval", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--out", default="runs/grpo")
    return ap


def main(argv=None):
    a = arg_parser().parse_args(argv)

    import torch
    torch.set_num_threads(a.threads)
    from transformers import AutoModelForCausalLM
    from toolft.world import synthesize, world_tools
    from toolft.validate import prepare
    from toolft.templates import ChatTemplate, load_tokenizer
    from toolft.evaluate import run_eval, HFGenerator, EvalConfig
    from toolft.grpo import GRPOConfig, train_grpo
    from toolft.demo import RECIPE

    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    for seed in [int(s) for s in a.seeds.split(",")]:
        t0, d = time.time(), out / f"seed{seed}"
        d.mkdir(parents=True, exist_ok=True)
        reg = world_tools()
        def records(n, s, split, weights=RECIPE["case_weights"]):
            acc, _, _ = prepare(synthesize(n, seed=s, split=split, weights=weights), None, tools=reg, replay=True, skip_invalid=True)
            return acc
        evals = records(a.eval, seed + 1, "eval")  # the over-calling benchmark's held-out set for this seed
        sft_dir = next((p for p in (Path(a.sft_from or "-") / f"seed{seed}" / n for n in ("sft_balanced", "sft")) if (p / "model.safetensors").exists()),
                       Path("-"))  # the over-calling benchmark's SFT model, or this benchmark's own from an earlier run
        if not (sft_dir / "model.safetensors").exists():
            from toolft.tiny import build_tiny
            from toolft.sft import SFTConfig, train_sft
            recipe = {**RECIPE["sft"], "max_steps": a.sft_steps, "max_seconds": None, "torch_threads": a.threads, "logging_steps": 100, "multiturn": a.sft_multiturn}
            sft_dir = d / "sft"
            train_sft(SFTConfig(output_dir=str(sft_dir), seed=seed, data_seed=seed, report_to="none", **recipe), str(build_tiny(d / "tiny", seed=seed)),
                      records(8000, seed, "train"), live=False, progress=False)
        tmpl = ChatTemplate(sft_dir)
        cfg = EvalConfig(max_steps=4, max_new_tokens=160, batch_size=50, seed=seed)
        def evaluate(model): return metrics_of(run_eval(evals, HFGenerator(model, load_tokenizer(sft_dir), 160, 50, seed), tmpl, reg, cfg, progress=False))
        earlier = json.loads((d / "metrics.json").read_text()) if (d / "metrics.json").exists() else {}
        if earlier.get("sft_dir") == str(sft_dir) and earlier.get("eval_records") == len(evals): row = earlier  # this SFT model, already measured here
        else: row = {"sft": evaluate(AutoModelForCausalLM.from_pretrained(sft_dir).eval()), "sft_dir": str(sft_dir), "eval_records": len(evals)}
        print(seed, "sft", row["sft"], flush=True)
        stage = (a.method if a.reward == "programmatic" or a.method != "rloo" else f"{a.method}_{a.reward}") + (f"_{a.tag}" if a.tag else "")
        def save(extra=None):
            row.setdefault("args_by_stage", {})[stage] = vars(a); row["seconds"] = round(time.time() - t0)
            if extra is not None: (d / f"history_{stage}.json").write_text(json.dumps(extra) + "\n")
            (d / "metrics.json").write_text(json.dumps(row, indent=1) + "\n")
        if a.method == "base":  # the untrained model SFT started from
            base_dir = next(p for p in (sft_dir.parent / "tiny", d / "tiny") if (p / "model.safetensors").exists())
            row["base"] = evaluate(AutoModelForCausalLM.from_pretrained(base_dir).eval())
            print(seed, "base", row["base"], flush=True); save(); continue
        if a.method == "best-of-n":  # the SFT model, N samples per step, the programmatic verifier picks
            from toolft.bestofn import selector
            res = run_eval(evals, HFGenerator(AutoModelForCausalLM.from_pretrained(sft_dir).eval(), load_tokenizer(sft_dir), 160, 50, seed, temperature=1.0),
                           tmpl, reg, EvalConfig(max_steps=4, max_new_tokens=160, batch_size=50, seed=seed, best_of=a.best_of), select=selector("verifier", tools=reg), progress=False)
            stage = f"best_of_{a.best_of}"
            row[stage] = metrics_of(res) | {"eval_seconds": res.info["seconds"]}
            print(seed, stage, row[stage], flush=True); save(); continue
        if a.method == "dpo":  # the over-calling benchmark's DPO recipe (nbs/notes/dpo_overcalling.md): the four decision pair types built offline from
            # fresh records, plus the SFT model's own failing samples (on-policy), DPO + the chosen side's NLL (TRL's loss_type [sigmoid, sft])
            from toolft.pairs import build_pairs, on_policy_pairs
            from toolft.dpo import DPOConfig, train_dpo
            model = AutoModelForCausalLM.from_pretrained(sft_dir).eval()
            offline, _ = build_pairs(records(a.pair_records, seed + 20, "train"), tmpl, types=DECISION_TYPES, seed=seed)
            sampled, _ = on_policy_pairs(records(a.onpolicy_records, seed + 22, "train"), model, tmpl, samples=4, seed=seed)
            run = DPOConfig(output_dir=str(d / stage), max_steps=a.steps, learning_rate=a.lr, beta=a.beta, loss_type=["sigmoid", "sft"], per_device_train_batch_size=16, lr_scheduler_type="cosine",
                            warmup_steps=10, logging_steps=10, save_strategy="no", report_to="none", seed=seed, think="drop", torch_threads=a.threads,
                            activation_checkpointing=False)
            res = train_dpo(run, str(sft_dir), offline + sampled, live=False, progress=False, model=model)
            row[stage] = evaluate(res.model) | {"train_seconds": round(res.seconds), "steps": res.steps, "pairs": {"offline": len(offline), "on_policy": len(sampled)}}
            print(seed, stage, row[stage], flush=True); save(res.history); continue
        if a.method == "rloo":
            from toolft.rloo import RLOOConfig, train_rloo
            rm = a.reward_model
            if a.reward != "programmatic" and rm == "auto":
                from toolft.pairs import build_pairs
                from toolft.reward_model import RewardConfig, train_reward
                pairs, _ = build_pairs(records(1200, seed + 20, "train"), tmpl, seed=seed)
                held, _ = build_pairs(records(200, seed + 21, "eval"), tmpl, seed=seed)
                rres = train_reward(RewardConfig(output_dir=str(d / "rm"), max_steps=a.rm_steps, per_device_train_batch_size=16, learning_rate=2e-4,
                                                 lr_scheduler_type="cosine", warmup_steps=10, logging_steps=50, seed=seed, save_strategy="no", report_to="none",
                                                 torch_threads=a.threads, activation_checkpointing=False), str(sft_dir), pairs, live=False, progress=False, eval_pairs=held)
                rm, row["reward_model"] = str(d / "rm"), rres.eval_accuracy
                print(seed, "reward model", rres.eval_accuracy, flush=True)
            run = RLOOConfig(output_dir=str(d / stage), max_steps=a.steps, learning_rate=a.lr, num_generations=a.generations, per_device_train_batch_size=a.batch,
                             temperature=a.temperature, beta=a.beta, arguments=a.arguments, weights=a.weights, reward=a.reward, reward_model=rm, logging_steps=1,
                             save_strategy="no", report_to="none", seed=seed, think="drop", torch_threads=a.threads, activation_checkpointing=False)
            res = train_rloo(run, str(sft_dir), records(a.records, seed + 10, "train", RECIPE["case_weights"] if a.grpo_mix == "recipe" else None),
                             tools=reg, live=False, progress=False)
            row[stage] = evaluate(res.model) | {"train_seconds": round(res.seconds), "steps": res.steps, "replies": res.steps * a.batch}
            print(seed, stage, row[stage], flush=True); save(res.history); continue
        run = GRPOConfig(output_dir=str(d / "grpo"), max_steps=a.steps, learning_rate=a.lr, num_generations=a.generations, per_device_train_batch_size=a.batch,
                         temperature=a.temperature, beta=a.beta, arguments=a.arguments, weights=a.weights, logging_steps=1, save_strategy="no",
                         report_to="none", seed=seed, think="drop", torch_threads=a.threads, activation_checkpointing=False)
        grpo_records = records(a.records, seed + 10, "train", RECIPE["case_weights"] if a.grpo_mix == "recipe" else None)
        res = train_grpo(run, str(sft_dir), grpo_records, tools=reg, live=False, progress=False)
        row["grpo"] = evaluate(res.model) | {"train_seconds": round(res.seconds), "steps": res.steps, "rollouts": res.steps * a.batch}
        print(seed, "grpo", row["grpo"], flush=True)
        row["args"] = vars(a); row["seconds"] = round(time.time() - t0)
        (d / "history.json").write_text(json.dumps(res.history) + "\n")
        (d / "metrics.json").write_text(json.dumps(row, indent=1) + "\n")
    return summarize(out)


def summarize(out: Path) -> dict:
    "Mean and min-max over every OUT/seed*/metrics.json, written to summary.json and grpo.html (metrics and reward curves)"
    runs = seed_metrics(out)
    first = next(iter(runs.values()))
    stages = [k for k, v in first.items() if isinstance(v, dict) and "macro_f1" in v]  # sft, then each trained stage
    summary = spread(runs, stages, KEYS)
    (Path(out) / "summary.json").write_text(json.dumps({"seeds": sorted(runs), "summary": summary}, indent=1) + "\n")
    from plotly.subplots import make_subplots
    fig = make_subplots(rows=1, cols=2, subplot_titles=("held-out, before and after GRPO (mean; whiskers min-max)", "reward components per step (seed mean)"))
    spread_bars(fig, summary, row=1, col=1)
    hist = [json.loads(f.read_text()) for f in sorted(Path(out).glob("seed*/history.json"))]
    comps = sorted({k for h in hist for r in h for k in r if k.startswith("rewards/") and k.endswith("/mean")})
    for k in comps:
        steps = sorted({r["step"] for h in hist for r in h if k in r})
        ys = [statistics.mean([r[k] for h in hist for r in h if r.get("step") == s and r.get(k) is not None] or [float("nan")]) for s in steps]
        fig.add_scatter(x=steps, y=ys, name=k.split("/")[1], mode="lines", row=1, col=2)
    fig.update_layout(barmode="group", title=f"{', '.join(stages)} on held-out trajectories, seeds {sorted(runs)}", height=460)
    fig.write_html(Path(out) / "grpo.html", include_plotlyjs=True)
    print(json.dumps({s: {k: v["mean"] for k, v in summary[s].items()} for s in summary}, indent=1))
    return summary


def command_of(args: dict, seed) -> str:
    "The command line that ran a stage, from the args its metrics.json recorded"
    return _common_command_of("benchmarks/grpo_tools.py", arg_parser(), args, seed)


def export(out: Path, path: Path) -> dict:
    "Every seed's stage metrics and the command of each stage, in one JSON file (what the comparison notebook reads)"
    runs = seed_metrics(out)
    seeds = {s: {k: v for k, v in r.items() if isinstance(v, dict) and "macro_f1" in v} for s, r in runs.items()}
    commands = {s: {k: command_of(a, s) for k, a in r.get("args_by_stage", {}).items()} | ({"grpo": command_of(r["args"], s)} if "args" in r else {})
                for s, r in runs.items()}
    for s, r in runs.items():  # stages run before the benchmark recorded its arguments: point at what they left
        origin = Path(r.get("sft_dir") or "-").parent / "metrics.json"
        for stage in seeds[s]:
            if stage in ("sft", "base") or stage in commands[s]: continue
            run_file = next((Path(out) / f"seed{s}" / stage).glob("toolft_*.yaml"), None)
            if stage == "grpo" and origin.exists() and "args" in json.loads(origin.read_text()):
                commands[s][stage] = command_of(json.loads(origin.read_text())["args"], s) + f" (its numbers copied from {origin})"
            elif run_file is not None: commands[s][stage] = f"recorded before the benchmark kept its arguments; the stage's resolved run file: {run_file}"
    data = {"source": str(out), "eval": f"{runs[min(runs)].get('eval_records')} held-out conversations per seed, whole trajectories, tools executed",
            "sft_dirs": {s: r.get("sft_dir") for s, r in runs.items()}, "reward_models": {s: r["reward_model"] for s, r in runs.items() if r.get("reward_model")},
            "seeds": seeds, "commands": commands}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1) + "\n")
    return data


if __name__ == "__main__":
    if sys.argv[1:2] == ["--summarize"]: summarize(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["--export"]: export(Path(sys.argv[2]), Path(sys.argv[3]))
    else: main()
