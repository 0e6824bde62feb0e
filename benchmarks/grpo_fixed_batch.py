"""GRPO on a fixed set of prompts: does one update move probability toward the higher-advantage rollouts, and do repeated
updates raise those prompts' own reward? (by hand, not a test)

Builds the demo's GRPO trainer (`RECIPE["grpo"]`, the user turns of the demo's fresh conversations, seed K + 10) from a model
directory, picks P rows at random and then, with a fresh optimizer (AdamW at --lr, or SGD):

- one step on one batch of their rollouts: the change of each rollout's log-probability (its completion tokens, tool results
  excluded) after the step, for rollouts with positive and with negative advantage, and its correlation with the advantage;
- --steps steps, each on fresh rollouts of the same P rows: the batch's mean reward per step.

Prints one JSON line per step. A control for the training-reward curve of a real run is `benchmarks/demo_stage.py` with
`--set '{"learning_rate": 1e-30}'`: the same prompts in the same order with no update.

    .venv/bin/python benchmarks/grpo_fixed_batch.py --seed 0 --start runs/stage/sft_auto/sft --prompts 4 --steps 20 --lr 5e-5
    .venv/bin/python benchmarks/grpo_fixed_batch.py --seed 0 --start runs/stage/sft_auto/sft --prompts 4 --steps 20 --lr 0   # the control: no update
"""
import argparse, json, random, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)
import torch
from transformers import AutoModelForCausalLM
from toolft.demo import RECIPE, fresh_records
from toolft.world import world_tools, CASES
from toolft.grpo import GRPOConfig, train_grpo

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--seed", type=int, default=0, help="the demo's seed (the rows are its fresh conversations, seed + 10)")
ap.add_argument("--start", required=True, help="the starting model's directory")
ap.add_argument("--prompts", type=int, default=4, help="rows in the fixed batch (each gets the recipe's num_generations rollouts)")
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--lr", type=float, default=5e-5, help="0: the control, rollouts and scores with no update")
ap.add_argument("--optimizer", default="adamw", choices=["adamw", "sgd"])
ap.add_argument("--case", default=None, choices=CASES, help="only rows of this case type (e.g. failed_tool)")
ap.add_argument("--temperature", type=float, default=None, help="sampling temperature (default: the recipe's)")
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
fields = {k: v for k, v in RECIPE["grpo"].items() if k != "records"} | {"max_steps": 1, "learning_rate": 1e-30, "torch_threads": a.threads} | ({"temperature": a.temperature} if a.temperature is not None else {})
records = fresh_records(RECIPE["grpo"]["records"], a.seed + 10, RECIPE, world_tools())[0]
# one step at a negligible learning rate builds TRL's trainer exactly as a run does; the steps below use their own optimizer
res = train_grpo(GRPOConfig(output_dir=tempfile.mkdtemp(prefix="grpo_fixed_batch"), seed=a.seed, **fields), a.start, records, tools=world_tools, live=False, progress=False,
                 model=AutoModelForCausalLM.from_pretrained(a.start))
tr = res.trainer
model = tr.model.train()
random.seed(a.seed)
pool = [i for i in range(len(tr.train_dataset)) if a.case is None or json.loads(tr.train_dataset[i]["gold"])["steps"][0]["case"] == a.case]
if len(pool) < a.prompts: raise SystemExit(f"{len(pool)} rows of case {a.case}, fewer than --prompts {a.prompts}")
rows = [tr.train_dataset[i] for i in random.sample(pool, a.prompts)]


def rollouts():
    "One batch of fresh rollouts of the fixed rows, scored and with advantages, as TRL builds a training batch; its mean reward; the share of rows whose rollouts all scored alike"
    out = tr._generate_and_score_completions([r for r in rows for _ in range(tr.num_generations)])
    return out, tr._metrics["train"]["reward"][-1], tr._metrics["train"]["frac_reward_zero_std"][-1]


def logp(out) -> torch.Tensor:
    "Each rollout's log-probability of its own completion tokens (tool results excluded, as in the loss)"
    ids, att = torch.cat([out["prompt_ids"], out["completion_ids"]], 1), torch.cat([out["prompt_mask"], out["completion_mask"]], 1)
    with torch.no_grad(): lp = tr._get_per_token_logps_and_entropies(model, ids, att, out["completion_ids"].size(1))[0]
    return (lp * out["completion_mask"] * out.get("tool_mask", 1)).sum(1)


def step(out) -> float:
    loss = tr.compute_loss(model, out)
    loss.backward(); opt.step(); opt.zero_grad()
    return loss.item()


opt = (torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.0) if a.optimizer == "adamw" else torch.optim.SGD(model.parameters(), lr=a.lr))
out, reward, zero = rollouts()
before = logp(out); loss = step(out); change = logp(out) - before
adv = out["advantages"]
pos, neg = change[adv > 0.1], change[adv < -0.1]
print(json.dumps({"step": 0, "reward": round(reward, 4), "zero_spread_share": zero, "loss": loss,
                  "logp_change_positive": round(pos.mean().item(), 4) if len(pos) else None, "logp_change_negative": round(neg.mean().item(), 4) if len(neg) else None,
                  "correlation": round(torch.corrcoef(torch.stack([change, adv]))[0, 1].item(), 4) if adv.std() > 0 and change.std() > 0 else None}), flush=True)
history = [reward]
for k in range(1, a.steps):
    out, reward, zero = rollouts()
    step(out); history.append(reward)
    print(json.dumps({"step": k, "reward": round(reward, 4), "zero_spread_share": zero}), flush=True)
print(json.dumps({"first_3_steps": round(sum(history[:3]) / len(history[:3]), 4), "last_3_steps": round(sum(history[-3:]) / len(history[-3:]), 4)}))
