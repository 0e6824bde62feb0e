"""GRPO that trains only the LM head's call-start row (`GRPOConfig.call_row_only`) from the over-calling benchmark's call-heavy SFT models (issue 15; by hand, not a test)

The call-heavy SFT models of `benchmarks/overcalling.py` (91 % of first replies calls) call where they should answer, ask or
decline: decision macro-F1 0.83-0.88, no-tool accuracy 0.68-0.89 against the kit's 0.90. DPO that trains one row of the LM
head (`41_dpo`) moved that decision at almost no cost to the call skills. This is the same restriction under GRPO: multi-turn
rollouts with the world's tools executed, toolft's reward components, and only the call-start token's row of the head
trained, so the rewards can move the decision to call and nothing else.

Per seed: rows are the user turns of fresh train records (seed + 5, non-call cases weighted 3:1 as the DPO pairs' records);
with `--select N` the run ends on its best step on N validation conversations (seed + 100, the DPO selection's set: macro-F1,
tool selection and exact arguments guarded within `--select-tolerance` of SFT's); the SFT model and the GRPO model are
evaluated on the over-calling benchmark's held-out conversations (seed + 1, first replies, `overcalling.metrics_of`).

    .venv/bin/python benchmarks/grpo_row.py --sft-from runs/s36/oc_row --seeds 9 --steps 100 --lr 3e-3 --select 1000 -o runs/s37/grpo_row

Writes OUT/seed<k>/metrics.json ({"sft_call_heavy", "grpo_row"}: the held-out numbers, the chosen step, the validation
scores; "history": the training log that `grpo_reeval.py` plots) and the model in OUT/seed<k>/grpo/.
Whole conversations and the hack indicators: `benchmarks/grpo_reeval.py "sft=SFT/seed{seed}/sft_call_heavy" "row=OUT/seed{seed}/grpo"`.
`benchmarks/grpo_row.py --export NAME=OUT ... PATH` writes several runs' per-seed numbers and reward curves to one JSON file
(`benchmarks/results/grpo_row.json`, what `51_grpo` reads).
"""
import argparse, json, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)
from overcalling import metrics_of, NON_CALL_CASES


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sft-from", required=True, help="an over-calling run: DIR/seed<k>/sft_call_heavy")
    ap.add_argument("--seeds", default="9")
    ap.add_argument("--records", type=int, default=600, help="fresh train records whose user turns are the rows")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--generations", type=int, default=8)
    ap.add_argument("--batch", type=int, default=32, help="rollouts per step (batch / generations prompts)")
    ap.add_argument("--full-model", action="store_true", help="the control: every weight trains (no call_row_only), the rest of the recipe unchanged; give it a full-model --lr (session 38: 2e-5; the default 3e-3 is the row's)")
    ap.add_argument("--select", type=int, default=0, help="validation conversations the run's best step is chosen on (0: the last step)")
    ap.add_argument("--select-every", type=int, default=20)
    ap.add_argument("--select-tolerance", type=float, default=0.005)
    ap.add_argument("--eval", type=int, default=2000, help="held-out conversations (the over-calling benchmark's: seed + 1)")
    ap.add_argument("--skip-sft-eval", action="store_true", help="take SFT's held-out numbers from the over-calling run's metrics.json instead of evaluating again")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args(argv)

    import torch
    torch.set_num_threads(a.threads)
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from toolft.world import synthesize, world_tools
    from toolft.validate import prepare
    from toolft.templates import ChatTemplate
    from toolft.grpo import GRPOConfig, train_grpo
    from toolft.evaluate import run_eval, HFGenerator, EvalConfig
    from toolft.demo import CALLS

    for seed in [int(s) for s in a.seeds.split(",")]:
        t0, d, src = time.time(), Path(a.out) / f"seed{seed}", Path(a.sft_from) / f"seed{seed}"
        d.mkdir(parents=True, exist_ok=True)
        reg = world_tools()
        def records(n, s, split, weights=None):
            acc, _, _ = prepare(synthesize(n, seed=s, split=split, weights=weights), None, tools=reg, replay=True, skip_invalid=True)
            return acc
        sft_dir = src / "sft_call_heavy"
        tok, tmpl = AutoTokenizer.from_pretrained(sft_dir), ChatTemplate(sft_dir)
        first = EvalConfig(max_steps=1, first_turn_only=True, max_new_tokens=160, batch_size=50, seed=seed)
        evals = records(a.eval, seed + 1, "eval")
        def evaluate(model): return metrics_of(run_eval(evals, HFGenerator(model, tok, 160, 50, seed), tmpl, reg, first, progress=False))
        row = {}
        if a.skip_sft_eval: row["sft_call_heavy"] = json.loads((src / "metrics.json").read_text())["sft_call_heavy"]
        else: row["sft_call_heavy"] = evaluate(AutoModelForCausalLM.from_pretrained(sft_dir).eval())
        print(seed, "sft", row["sft_call_heavy"], flush=True)
        train = records(a.records, seed + 5, "train", {c: 1 for c in CALLS} | {c: 3 for c in NON_CALL_CASES})
        select = records(a.select, seed + 100, "eval") if a.select else None  # GRPOConfig's selection: macro-F1, tool selection and arguments guarded
        cfg = GRPOConfig(output_dir=str(d / "grpo"), seed=seed, max_steps=a.steps, learning_rate=a.lr, per_device_train_batch_size=a.batch,
                         num_generations=a.generations, temperature=a.temperature, beta=0.0, lr_scheduler_type="cosine", warmup_steps=10,
                         logging_steps=1, torch_threads=a.threads, activation_checkpointing=False, save_strategy="no", report_to="none",
                         think="drop", call_row_only=not a.full_model, select_every=a.select_every, select_tolerance=a.select_tolerance)
        res = train_grpo(cfg, str(sft_dir), train, tools=world_tools, live=False, progress=False, select_records=select)
        row["grpo_row"] = evaluate(res.model.eval()) | {"rows": res.rows, "steps": res.steps, "train_seconds": round(res.seconds),
                                                        "args": {k: v for k, v in vars(a).items() if k not in ("seeds", "out")}} \
            | ({"chosen_step": res.chosen_step, "selection": res.selection} if a.select else {})
        row["seconds"], row["history"] = round(time.time() - t0), res.history  # the history: what grpo_reeval's training_curves reads beside the model
        (d / "metrics.json").write_text(json.dumps(row, indent=1) + "\n")
        print(seed, "grpo_row", json.dumps(row["grpo_row"]), flush=True)


KEYS = ("macro_f1", "unnecessary_call_rate", "no_tool", "clarify", "unavailable_tool", "irrelevant_tools", "tool_selection", "arguments",
        "format_validity", "tool_selection_when_called", "arguments_when_called")


def export(outs: dict, path: Path) -> dict:
    "Several runs (name -> OUT) in one JSON file: per seed, SFT's and GRPO's held-out numbers, the chosen step, the validation scores and the reward curves"
    from _common import seed_metrics
    from _reeval import CURVE_KEYS
    data = {}
    for name, out in outs.items():
        seeds = {}
        for s, r in seed_metrics(out).items():
            g = r["grpo_row"]
            rows = [h for h in r.get("history", []) if "reward" in h]
            curves = {k: [round(h[k], 4) if h.get(k) is not None else None for h in rows]
                      for k in rows[0] if k in CURVE_KEYS or (k.startswith("rewards/") and k.endswith("/mean"))} if rows else {}
            seeds[s] = {"sft": {k: r["sft_call_heavy"].get(k) for k in KEYS}, "grpo": {k: g.get(k) for k in KEYS},
                        "confusion": {"sft": r["sft_call_heavy"]["confusion"], "grpo": g["confusion"]},
                        "chosen_step": g.get("chosen_step"), "selection": g.get("selection"), "steps": g["steps"], "rows": g["rows"],
                        "train_seconds": g["train_seconds"], "args": g["args"], "training": {"step": [h["step"] for h in rows], **curves}}
        data[name] = {"out": str(out), "seeds": seeds}
    Path(path).write_text(json.dumps(data, indent=1) + "\n")
    return data


if __name__ == "__main__":
    if sys.argv[1:2] == ["--export"]: export(dict(a.split("=", 1) for a in sys.argv[2:-1]), Path(sys.argv[-1]))
    else: main()
