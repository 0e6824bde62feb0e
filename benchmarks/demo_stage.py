"""Re-run one stage of a finished `toolft demo` run with changed settings, evaluated as the demo evaluates (by hand, not a test)

`toolft demo -o RUN --seed K` saves each stage's model (RUN/tiny, RUN/sft, RUN/dpo, RUN/grpo). This script trains one stage
again from one of them, with fields of the demo's `RECIPE[stage]` changed by `--set`, and evaluates the result on the demo's
held-out conversations (seed K + 1, whole conversations with the tools executed, `run_demo`'s generation settings):

- `--stage sft` starts from RUN/tiny (or `--from`: SFT continued from a trained model) on the demo's own training conversations
  (seed K, the recipe's case mix);
- `--stage grpo` starts from `--from` (a stage name under RUN, default `dpo` as in the demo, or any model directory) on the
  user turns of the recipe's fresh conversations (seed K + 10), as `run_demo` does;
- `--stage eval` trains nothing: it evaluates `--from` (e.g. a model saved before an evaluation fix) as the demo does.

(The DPO stage has its own script with pair filters: `benchmarks/demo_dpo.py`.) Writes OUT/metrics.json: the headline
metrics of the new model (and of the starting model with `--eval-start`), the hack indicators of `benchmarks/grpo_tools.py`
(calls per turn against the gold's, repeated calls, well-formed empty replies, malformed replies), the training history and
the command's arguments, trajectory success per case type; the new model is saved to OUT/<stage>, its evaluation (every trajectory, `samples.jsonl`) to OUT/eval. Prints one summary line.

    .venv/bin/python benchmarks/demo_stage.py --run runs/demo --seed 0 --stage grpo --from sft --eval-start -o runs/stage/grpo_from_sft
    .venv/bin/python benchmarks/demo_stage.py --run runs/demo --seed 0 --stage sft --set '{"multiturn": "auto", "max_seconds": null}' -o runs/stage/sft_auto
    .venv/bin/python benchmarks/demo_stage.py --run runs/demo --seed 0 --stage grpo --from runs/stage/sft_auto/sft -o runs/stage/sft_auto_grpo
    .venv/bin/python benchmarks/demo_stage.py --run runs/demo --seed 0 --stage eval --from sft -o runs/stage/sft_again
"""
import argparse, json, sys, time, types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)
from grpo_tools import metrics_of
import torch
from transformers import AutoModelForCausalLM
from toolft.demo import RECIPE, fresh_records, whole_conversations, first_replies, _headline
from toolft.world import synthesize, world_tools
from toolft.validate import prepare
from toolft.templates import ChatTemplate
from toolft.evaluate import run_eval, HFGenerator

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--run", required=True, help="a `toolft demo` output directory")
ap.add_argument("--seed", type=int, required=True, help="the demo's seed")
ap.add_argument("--stage", required=True, choices=["sft", "grpo", "eval"])
ap.add_argument("--from", dest="start", default=None, help="the starting model, a stage of RUN (sft, dpo) or a directory (default: tiny for sft, dpo otherwise)")
ap.add_argument("--set", default="{}", help="JSON: fields of RECIPE[stage] to change (SFTConfig / GRPOConfig fields)")
ap.add_argument("--case-weights", default=None, help="grpo: JSON {case type: share} for the training rows (others 1), instead of the recipe's `case_weights`")
ap.add_argument("--eval-start", action="store_true", help="also evaluate the starting model")
ap.add_argument("--n-train", type=int, default=None, help="sft: training conversations to synthesize (default: the recipe's `n_train`)")
ap.add_argument("--threads", type=int, default=1, help="torch threads (the recipe's own count is replaced)")
ap.add_argument("-o", "--out", required=True)
a = ap.parse_args()
if a.case_weights and a.stage != "grpo": ap.error("--case-weights sets the GRPO stage's rows; it has no effect with --stage " + a.stage)
if a.n_train is not None and a.stage != "sft": ap.error("--n-train sets the SFT stage's conversations; it has no effect with --stage " + a.stage)
torch.set_num_threads(a.threads)
run, seed, out, cfg, reg = Path(a.run), a.seed, Path(a.out), RECIPE, world_tools()
out.mkdir(parents=True, exist_ok=True)
tmpl = ChatTemplate(run / "tiny")
evals, _, _ = prepare(synthesize(cfg["n_eval"], seed=seed + 1, split="eval"), None, tools=reg, replay=True, skip_invalid=True)  # the demo's held-out set


def evaluate(model):
    return run_eval(evals, HFGenerator(model, tmpl.tokenizer, 160, 50, seed), tmpl, reg, whole_conversations(seed), progress=False)


def trajectory_by_case(result) -> dict:
    "{case type: trajectory success over its user turns}"
    by = {}
    for row in result.samples():
        if row["trajectory"] is not None: by.setdefault(row["case"], []).append(row["trajectory"]["success"])
    return {c: round(sum(v) / len(v), 4) for c, v in sorted(by.items())}


fields = cfg.get(a.stage, {}) | {"torch_threads": a.threads} | json.loads(a.set)
start = Path(a.start or ("tiny" if a.stage == "sft" else "dpo"))
start = start if start.exists() else run / start
if a.stage == "eval":
    t = time.time()
    res = types.SimpleNamespace(model=AutoModelForCausalLM.from_pretrained(start), history=[])
    info = {}
elif a.stage == "sft":
    from toolft.sft import SFTConfig, train_sft
    train, _, _ = prepare(synthesize(a.n_train or cfg["n_train"], seed=seed, split="train", weights=cfg.get("case_weights")), None, tools=reg, replay=True, skip_invalid=True)
    t = time.time()
    res = train_sft(SFTConfig(output_dir=str(out / "sft"), seed=seed, data_seed=seed, report_to="none", **fields), str(start), train, live=False, progress=False)
    info = {"steps": res.steps, "tokens": res.tokens}
else:
    from toolft.grpo import GRPOConfig, train_grpo
    mix = cfg | ({"case_weights": json.loads(a.case_weights)} if a.case_weights else {})
    rows = fresh_records(fields.pop("records"), seed + 10, mix, reg)[0]
    t = time.time()
    res = train_grpo(GRPOConfig(output_dir=str(out / "grpo"), seed=seed, **fields), str(start), rows, tools=world_tools, live=False, progress=False,
                     model=AutoModelForCausalLM.from_pretrained(start))
    info = {"steps": res.steps, "rows": res.rows}
seconds = time.time() - t
result = evaluate(res.model)
result.save(out / "eval")  # every trajectory's replies, parses and scores (samples.jsonl), and the report
m = {"args": vars(a), "start": str(start), "seconds": round(seconds, 1), **info, "headline": _headline(result), "first_replies": _headline(first_replies(result)),
     "hack": metrics_of(result), "trajectory_by_case": trajectory_by_case(result), "history": res.history}
if a.eval_start:
    r0 = evaluate(AutoModelForCausalLM.from_pretrained(start))
    m["start_headline"], m["start_hack"], m["start_trajectory_by_case"] = _headline(r0), metrics_of(r0), trajectory_by_case(r0)
(out / "metrics.json").write_text(json.dumps(m, indent=1, default=str))
keys = ("macro_f1", "tool_selection", "arguments", "trajectory_success", "calls_per_turn", "gold_calls_per_turn", "repeated_calls", "empty_replies", "malformed_replies")
print(json.dumps({"seconds": round(seconds), **{k: m["hack"][k] for k in keys}, **({"start": {k: m["start_hack"][k] for k in keys}} if a.eval_start else {})}))
