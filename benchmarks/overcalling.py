"""The over-calling experiment (issue 14): SFT on tool-call-heavy data over-calls; DPO on automatically built pairs fixes it (by hand, not a test)

Per seed, on the embedded world:
1. SFT the embedded model on a tool-call-heavy mix (>= 90% of records whose first reply is a call) and, for comparison,
   on the demo's balanced mix (same recipe, same steps);
2. build preference pairs automatically (`toolft.pairs.build_pairs`, scorer-verified; `--types`, default all) from fresh train
   records, and run DPO from the call-heavy SFT model;
3. on-policy pairs from the balanced SFT model's own failures (`toolft.pairs.on_policy_pairs`: sampled first replies
   of fresh call records that a scorer fails, against the annotated reply), and DPO from the balanced model on them;
4. evaluate the four models on the same 2000 held-out conversations (first replies, equal shares of the ten case types;
   `--eval`, 200 until session 23, when 200 proved too few to read a 0.02 bar: `benchmarks/overcalling_reeval.py`):
   decision macro-F1, unnecessary-call rate (the share of turns whose gold makes no call where the model calls),
   no-tool / clarify / unavailable-tool / irrelevant-tool accuracy, tool selection, exact arguments.

    .venv/bin/python benchmarks/overcalling.py --seeds 0,1,2 -o runs/overcalling
    .venv/bin/python benchmarks/overcalling.py --seeds 0 --sft-steps 300 --dpo-steps 60 --records 2000 -o /tmp/oc   # a quick look

Writes OUT/seed<k>/metrics.json per seed, OUT/summary.json (mean and spread) and OUT/overcalling.html (plotly);
`benchmarks/overcalling.py --summarize OUT` rebuilds the last two from every seed in OUT (seeds run as separate processes);
`benchmarks/overcalling.py --export NAME=OUT [NAME=OUT@round2 ...] PATH` writes several recipes' per-seed numbers to one JSON file
(`benchmarks/results/overcalling.json`, what `41_dpo` reads; `@round2`: the second DPO round's model is the recipe's result).

`--round2 N` adds a second DPO round from the DPO model on its own decision errors (on-policy pairs, `toolft.pairs.on_policy_pairs`):
    .venv/bin/python benchmarks/overcalling.py --seeds 3,4,5 --skip-balanced --skip-on-policy --decision-tokens 1 --dpo-steps 120 \
        --types unnecessary_call,forced_call,guessed_argument,hallucinated_answer,needless_refusal --loss-type sigmoid,sft --round2 600 --round2-steps 20 --round2-balance -o runs/oc_r2b
"""
import argparse, json, os, statistics, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import seed_metrics, spread, spread_bars

NON_CALL_CASES = ("no_tool", "clarify", "unavailable_tool", "irrelevant_tools", "reasoning")


def metrics_of(res) -> dict:
    "The experiment's numbers from an `EvalResult` (first replies)"
    m = res.metrics()
    conf, by_case = m["confusion"], m["by_case"]
    return {"macro_f1": m["macro_f1"], "unnecessary_call_rate": m["unnecessary_call_rate"],
            "no_tool": by_case.get("no_tool", {}).get("decision"), "clarify": by_case.get("clarify", {}).get("decision"),
            "unavailable_tool": by_case.get("unavailable_tool", {}).get("decision"), "irrelevant_tools": by_case.get("irrelevant_tools", {}).get("decision"),
            "tool_selection": m["tool_selection"], "arguments": m["arguments"], "format_validity": m["format_validity"], "n": m["n"],
            "confusion": conf, **when_called(m)}


def when_called(m: dict) -> dict:
    "Tool selection and exact arguments over the call turns where the model did call: the call skills apart from the decision to call"
    row = m["confusion"].get("tool_call", {})
    gold, called = sum(row.values()), row.get("tool_call", 0)
    return {f"{k}_when_called": round(m[k] * gold / called, 4) if called and m.get(k) is not None else None for k in ("tool_selection", "arguments")}


def replay_pairs(records: list[dict], n: int, seed: int) -> list[dict]:
    """n of the SFT's own first replies that are calls, as pairs whose chosen and rejected sides are that reply: DPO's margin is 0
    on them with no gradient, TRL's `sft` term (and `anchor_weight`'s) trains them — rehearsal of the SFT data inside the DPO run"""
    import random
    calls = [(r, k) for r in records for k in [next(i for i, m in enumerate(r["messages"]) if m["role"] == "assistant")]
             if r["messages"][k].get("tool_calls")]
    if len(calls) < n: raise ValueError(f"--replay {n}: only {len(calls)} records whose first reply is a call")
    return [{"id": f"{r.get('id', '')}#{k}:replay", "type": "replay", "prompt": r["messages"][:k], "chosen": [r["messages"][k]],
             "rejected": [r["messages"][k]], "tools": r.get("tools") or [], "meta": {"source_id": r.get("id"), "turn": 0, "reason": "replay of the SFT data"}}
            for r, k in random.Random(seed).sample(calls, n)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--records", type=int, default=8000, help="SFT training records per mix")
    ap.add_argument("--sft-steps", type=int, default=800)
    ap.add_argument("--pair-records", type=int, default=1200, help="fresh train records the DPO pairs are built from (non-call cases weighted 3:1)")
    ap.add_argument("--types", default=None, help="pair types for DPO, comma-separated (default: every type in toolft.pairs.PAIR_TYPES)")
    ap.add_argument("--loss-type", default="sigmoid", help="TRL's loss_type, comma-separated (sigmoid,sft: DPO plus an NLL term on chosen)")
    ap.add_argument("--loss-weights", default=None, help="TRL's loss_weights, comma-separated, one per loss type (default: 1 each)")
    ap.add_argument("--dpo-steps", type=int, default=200)
    ap.add_argument("--dpo-lr", type=float, default=5e-5)
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--anchor-weight", type=float, default=0.0, help="NLL on the whole chosen message at this weight beside DPO (DPOConfig.anchor_weight: "
                    "with --decision-tokens, the chosen call's arguments keep a signal); 0: none")
    ap.add_argument("--decision-tokens", type=int, default=None, help="DPO on each completion up to N tokens past where chosen and rejected differ (DPOConfig.decision_tokens)")
    ap.add_argument("--first-turn-pairs", action="store_true", help="keep only pairs at a conversation's first reply (what the call-heavy SFT trained)")
    ap.add_argument("--replay", type=int, default=0, help="add this many of the call-heavy SFT's own first-reply calls as pairs with chosen = rejected "
                    "(no DPO gradient; the `sft` term trains them): rehearsal of the SFT data in the DPO run")
    ap.add_argument("--call-row-only", action="store_true", help="DPO trains only the LM head's row of the call-start token (DPOConfig.call_row_only)")
    ap.add_argument("--lora-r", type=int, default=0, help="DPO through a LoRA adapter of this rank on every linear layer (the reference: the adapter off); 0: full fine-tuning")
    ap.add_argument("--onpolicy-records", type=int, default=300, help="fresh call records sampled for on-policy pairs")
    ap.add_argument("--samples", type=int, default=4, help="samples per decision point for on-policy pairs")
    ap.add_argument("--on-policy-scorers", default="arguments", help="which failing scorers' samples become on-policy pairs (comma-separated; 'all': every one)")
    ap.add_argument("--only-on-policy", action="store_true", help="only the on-policy stage, from OUT/seed<k>/sft_balanced of an earlier run (updates its metrics.json)")
    ap.add_argument("--sft-from", default=None, help="reuse an earlier run's SFT models and their numbers (DIR/seed<k>/sft_call_heavy, sft_balanced, "
                    "metrics.json): only the DPO stages run, into -o")
    ap.add_argument("--sft-multiturn", default="first", help="which assistant replies SFT trains (toolft.masks.MULTITURN): first (the recorded results), "
                    "auto (every reply, so the model answers after tool results)")
    ap.add_argument("--skip-dpo", action="store_true", help="only the SFT models (and their held-out numbers)")
    ap.add_argument("--skip-on-policy", action="store_true", help="leave out the on-policy stage")
    ap.add_argument("--skip-balanced", action="store_true", help="leave out the balanced-mix SFT (and so the on-policy stage, which starts from it)")
    ap.add_argument("--round2", type=int, default=0, help="a second DPO round from the DPO model on its own decision errors: sampled first replies of this many "
                    "fresh records (every case type in equal shares) whose `decision` scorer fails, against the annotated reply; 0: none")
    ap.add_argument("--round2-steps", type=int, default=40, help="DPO steps of the second round (its other settings: the first round's)")
    ap.add_argument("--round2-balance", action="store_true", help="as many second-round pairs whose chosen reply is a call as pairs whose chosen "
                    "reply is not (the larger side sampled down, seeded): the model's declined calls and its unnecessary calls weigh alike")
    ap.add_argument("--round2-scorers", default="decision", help="which failing scorers' samples become the second round's pairs (comma-separated; 'all': every one); "
                    "with --round2-balance, pairs of scorers other than `decision` are added to the balanced decision pairs, at most as many")
    ap.add_argument("--round1-from", default=None, help="reuse an earlier run's SFT and first-round DPO models and their numbers (DIR/seed<k>/sft_call_heavy, dpo, "
                    "metrics.json): only the second round runs")
    ap.add_argument("--select", type=int, default=0, help="end each DPO run on its best step (DPOConfig.select_data): this many fresh validation conversations "
                    "(eval split, seed+100: neither trained on nor any seed's held-out set) scored every --select-every steps; 0: the last step")
    ap.add_argument("--select-every", type=int, default=10)
    ap.add_argument("--select-tolerance", type=float, default=0.005, help="how far tool selection and exact arguments may fall below SFT's on validation at the chosen step")
    ap.add_argument("--eval", type=int, default=2000, help="held-out conversations per seed (about half with a call as gold: one turn of 200 moved exact arguments by 0.01)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--out", default="runs/overcalling")
    a = ap.parse_args(argv)
    a.sft_from = a.sft_from or a.round1_from  # the first-round run holds its SFT models too

    import torch
    torch.set_num_threads(a.threads)
    from trl import ModelConfig
    from toolft.world import synthesize, world_tools
    from toolft.validate import prepare
    from toolft.tiny import build_tiny
    from toolft.templates import ChatTemplate
    from toolft.sft import SFTConfig, train_sft
    from toolft.dpo import DPOConfig, train_dpo
    from toolft.pairs import build_pairs, on_policy_pairs, PAIR_TYPES
    from toolft.evaluate import run_eval, HFGenerator, EvalConfig
    from toolft.demo import RECIPE, CALLS

    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    heavy = {c: 20 for c in CALLS} | {c: 2 for c in NON_CALL_CASES}  # 100 call shares against 10: 91% of first replies are calls
    recipe = {**RECIPE["sft"], "max_steps": a.sft_steps, "max_seconds": None, "torch_threads": a.threads, "logging_steps": 100,
              "multiturn": a.sft_multiturn, "length_grouping": 1}  # first: the SFT the recorded results (nbs/notes/dpo_overcalling.md) used
    runs = {}
    for seed in [int(s) for s in a.seeds.split(",")]:
        t0, d = time.time(), out / f"seed{seed}"
        reg = world_tools()
        def records(n, s, split, weights=None):
            acc, _, _ = prepare(synthesize(n, seed=s, split=split, weights=weights), None, tools=reg, replay=True, skip_invalid=True)
            return acc
        evals = records(a.eval, seed + 1, "eval")
        tiny = build_tiny(d / "tiny", seed=seed)
        tmpl = ChatTemplate(tiny)
        first = EvalConfig(max_steps=1, first_turn_only=True, max_new_tokens=160, batch_size=50, seed=seed)
        def evaluate(model, tok): return metrics_of(run_eval(evals, HFGenerator(model, tok, 160, 50, seed), tmpl, reg, first, progress=False))
        src = Path(a.sft_from) / f"seed{seed}" if a.sft_from else d
        row = json.loads((d / "metrics.json").read_text()) if a.only_on_policy else {}
        reused = ("sft_call_heavy", "sft_balanced") + (("sft_call_heavy+dpo",) if a.round1_from else ())
        if a.sft_from: row = {k: v for k, v in json.loads((src / "metrics.json").read_text()).items() if k in reused}
        for mix, weights in (("sft_call_heavy", heavy), ("sft_balanced", RECIPE["case_weights"])):
            if a.only_on_policy or a.sft_from: break
            if mix == "sft_balanced" and a.skip_balanced: continue
            train = records(a.records, seed, "train", weights)
            share = sum(r["meta"]["decisions"][0] == "tool_call" for r in train) / len(train)
            res = train_sft(SFTConfig(output_dir=str(d / mix), seed=seed, data_seed=seed, report_to="none", **recipe), str(tiny), train, live=False, progress=False)
            row[mix] = evaluate(res.model, res.tokenizer) | {"first_reply_calls": round(share, 3), "train_seconds": round(res.seconds)}
            print(seed, mix, row[mix], flush=True)
        heavy_dir = src / "sft_call_heavy"
        valid = records(a.select, seed + 100, "eval") if a.select else None
        def dpo(name, start, pairs, steps=None):
            return train_dpo(DPOConfig(output_dir=str(d / name), max_steps=steps or a.dpo_steps, learning_rate=a.dpo_lr, beta=a.beta, loss_type=a.loss_type.split(","), decision_tokens=a.decision_tokens,
                                       anchor_weight=a.anchor_weight, call_row_only=a.call_row_only, loss_weights=[float(w) for w in a.loss_weights.split(",")] if a.loss_weights else None, per_device_train_batch_size=16,
                                       activation_checkpointing=False, lr_scheduler_type="cosine", warmup_steps=10, logging_steps=20, save_strategy="no",
                                       report_to="none", seed=seed, think="drop", torch_threads=a.threads,
                                       select_every=a.select_every, select_tolerance=a.select_tolerance),
                             ModelConfig(model_name_or_path=str(start), use_peft=a.lora_r > 0, lora_r=a.lora_r or 16, lora_alpha=2 * (a.lora_r or 16),
                                         lora_target_modules="all-linear"), pairs, live=False, progress=False, select_records=valid)
        def sampled_pairs(recs, model, model_dir, scorers):
            "(pairs, report, seconds): the model's failing samples as rejected sides (`on_policy_pairs`), kept where a named scorer failed ('all': any)"
            t1 = time.time()
            pairs, rep = on_policy_pairs(recs, model, ChatTemplate(model_dir), samples=a.samples, seed=seed)
            if scorers != "all": pairs = [p for p in pairs if p["meta"]["scorer"] in scorers.split(",")]
            print(rep, flush=True)
            return pairs, rep, time.time() - t1
        round1_dir = src / "dpo" if a.round1_from else d / "dpo"
        if a.skip_dpo:
            d.mkdir(parents=True, exist_ok=True); (d / "metrics.json").write_text(json.dumps(row, indent=1) + "\n"); runs[seed] = row
            continue
        if a.round1_from:
            from transformers import AutoModelForCausalLM
            round1 = AutoModelForCausalLM.from_pretrained(round1_dir).eval()
        elif not a.only_on_policy:
            pair_recs = records(a.pair_records, seed + 2, "train", {c: 1 for c in CALLS} | {c: 3 for c in NON_CALL_CASES})
            types = tuple(a.types.split(",")) if a.types else PAIR_TYPES
            pairs, rep = build_pairs(pair_recs, ChatTemplate(heavy_dir), types=types, seed=seed)
            print(rep, flush=True)
            if a.first_turn_pairs:  # only decision points whose prompt has no assistant message yet: the first reply of a conversation
                kept = [p for p in pairs if not any(m["role"] == "assistant" for m in p["prompt"])]
                print(f"--first-turn-pairs: {len(kept)} of {len(pairs)} pairs kept", flush=True)
                pairs = kept
            if a.replay:
                pairs = pairs + replay_pairs(records(a.records, seed, "train", heavy), a.replay, seed)
                print(f"{a.replay} replay pairs from the SFT's own records added: {len(pairs)} in all", flush=True)
            dres = dpo("dpo", heavy_dir, pairs)
            row["sft_call_heavy+dpo"] = evaluate(dres.model, dres.tokenizer) | {"pairs": len(pairs), "pair_types": dict(rep.kept), "train_seconds": round(dres.seconds)} \
                | ({"chosen_step": dres.chosen_step, "selection": dres.selection} if a.select else {})
            print(seed, "dpo", row["sft_call_heavy+dpo"], flush=True)
            round1 = dres.model
        if a.round2 and not a.only_on_policy:
            # the DPO model's own decision errors (calls it declines, calls it makes where none is due), sampled at temperature 1
            # on fresh records, as pairs against the annotation; DPO again from that model (its reference: the model itself)
            r2_pairs, r2_rep, sampling = sampled_pairs(records(a.round2, seed + 4, "train"), round1, round1_dir, a.round2_scorers)
            decision = [p for p in r2_pairs if p["meta"]["scorer"] == "decision"]
            others = [p for p in r2_pairs if p["meta"]["scorer"] != "decision"]  # e.g. `arguments`: the right call with a wrong value
            toward = [p for p in decision if p["chosen"][0].get("tool_calls")]
            away = [p for p in decision if not p["chosen"][0].get("tool_calls")]
            print(f"round 2 pairs: decisions {len(toward)} with a call chosen, {len(away)} without; other scorers {len(others)}", flush=True)
            if a.round2_balance:
                import random
                k = min(len(toward), len(away))
                decision = random.Random(seed).sample(toward, k) + random.Random(seed + 1).sample(away, k)
                # the other scorers' pairs must not crowd out the decision pairs the balanced recipe fixes declines with
                others = random.Random(seed + 2).sample(others, min(len(others), len(decision)))
            r2_pairs = decision + others
            r2 = dpo("dpo_round2", round1_dir, r2_pairs, steps=a.round2_steps)
            row["sft_call_heavy+dpo+round2"] = evaluate(r2.model, r2.tokenizer) | {"pairs": len(r2_pairs), "pair_types": dict(r2_rep.kept),
                                                                                   "scorers_used": a.round2_scorers, "sampling_seconds": round(sampling),
                                                                                   "call_chosen": len(toward), "no_call_chosen": len(away), "other_scorer_pairs": len(others), "balanced": a.round2_balance,
                                                                                   "train_seconds": round(r2.seconds)}
            print(seed, "dpo round 2", row["sft_call_heavy+dpo+round2"], flush=True)
        if a.skip_on_policy or a.skip_balanced:
            d.mkdir(parents=True, exist_ok=True); (d / "metrics.json").write_text(json.dumps(row, indent=1) + "\n"); runs[seed] = row
            continue
        from transformers import AutoModelForCausalLM
        balanced = AutoModelForCausalLM.from_pretrained(src / "sft_balanced").eval()
        call_recs = records(a.onpolicy_records, seed + 3, "train", {c: 1 for c in CALLS})
        op_pairs, op_rep, sampling = sampled_pairs(call_recs, balanced, src / "sft_balanced", a.on_policy_scorers)
        ores = dpo("dpo_on_policy", src / "sft_balanced", op_pairs)
        row["sft_balanced+dpo_on_policy"] = evaluate(ores.model, ores.tokenizer) | {"pairs": len(op_pairs), "pair_types": dict(op_rep.kept), "scorers_used": a.on_policy_scorers,
                                                                                  "sampling_seconds": round(sampling),
                                                                                  "train_seconds": round(ores.seconds)}
        print(seed, "dpo on-policy", row["sft_balanced+dpo_on_policy"], flush=True)
        row["seconds"] = round(time.time() - t0)
        (d / "metrics.json").write_text(json.dumps(row, indent=1) + "\n")
        runs[seed] = row
    return summarize(out, vars(a))


STAGES = ("sft_balanced", "sft_call_heavy", "sft_call_heavy+dpo", "sft_call_heavy+dpo+round2", "sft_balanced+dpo_on_policy")
KEYS = ("macro_f1", "unnecessary_call_rate", "no_tool", "clarify", "unavailable_tool", "irrelevant_tools", "tool_selection", "arguments", "format_validity")


def summarize(out: Path, args: dict | None = None) -> dict:
    "Mean and min-max over every OUT/seed*/metrics.json (seeds may come from separate runs), written to summary.json and overcalling.html"
    runs = seed_metrics(out)
    summary = spread(runs, STAGES, KEYS, digits=3)
    if args is None and (Path(out) / "summary.json").exists():  # --summarize: keep the recipe the runs recorded
        args = json.loads((Path(out) / "summary.json").read_text()).get("args")
    (Path(out) / "summary.json").write_text(json.dumps({"seeds": sorted(runs), "summary": summary, "args": args}, indent=1) + "\n")
    import plotly.graph_objects as go
    fig = spread_bars(go.Figure(), summary)
    fig.update_layout(barmode="group", title=f"over-calling: SFT (balanced, call-heavy) and DPO, seeds {sorted(runs)} (bars: mean; whiskers: min-max)",
                      yaxis_range=[0, 1.05], height=420)
    fig.write_html(Path(out) / "overcalling.html", include_plotlyjs=True)
    print(json.dumps(summary, indent=1))
    return summary


def export(recipes: dict, path: Path) -> dict:
    """Each recipe's runs (name -> OUT) in one JSON file: per seed, the call-heavy SFT model's metrics and DPO's from it, and the run's arguments.
    `OUT@round2` exports the second round's model as the recipe's DPO (its first round under "round1")"""
    data = {}
    for name, out in recipes.items():
        out, _, stage = str(out).partition("@")
        final = "sft_call_heavy+dpo+round2" if stage == "round2" else "sft_call_heavy+dpo"
        runs = seed_metrics(out)
        args = {k: v for k, v in (json.loads((Path(out) / "summary.json").read_text()).get("args") or {}).items() if k not in ("seeds", "out")}  # the recipe, not its last run's seeds
        data[name] = {"out": str(out), "args": args,
                      "seeds": {s: {"sft": {k: r["sft_call_heavy"][k] for k in KEYS}, "dpo": {k: r[final][k] for k in KEYS}}
                                   | ({"round1": {k: r["sft_call_heavy+dpo"][k] for k in KEYS}} if stage == "round2" else {})
                                   | ({k: r[final][k] for k in ("chosen_step", "selection")} if "selection" in r[final] else {})  # --select: the validation scores
                                for s, r in runs.items() if final in r}}
    Path(path).write_text(json.dumps(data, indent=1) + "\n")
    return data


if __name__ == "__main__":
    if sys.argv[1:2] == ["--summarize"]: summarize(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["--export"]: export(dict(a.split("=", 1) for a in sys.argv[2:-1]), Path(sys.argv[-1]))
    else: main()
