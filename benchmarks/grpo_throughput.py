"""GRPO step time: toolft's environment (`toolft.grpo`) against TRL's plain `tools=` (issue 15 §3; by hand, not a test)

The same model (an SFT model of the embedded world), the same rows (first user turns of fresh world records, every record
offering all six world tools so both render the same prompt), the same reward functions (`toolft.rewards`), the same parser
(toolft's, `install_parser`), the same seed; only the tool plumbing differs: TRL calling the six Python functions directly
(`GRPOTrainer(tools=...)`) against toolft's per-row environments (schema checks, timeouts, failures as observations).
Runs alternate (plain, toolft, plain, toolft, ...) so that load on the machine falls on both alike.

    .venv/bin/python benchmarks/grpo_throughput.py --steps 12 --repeats 3
"""
import argparse, json, os, statistics, sys, time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="runs/overcalling/seed0/sft_balanced")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--warmup", type=int, default=2, help="first steps left out of the timing")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--out", default="runs/grpo_throughput.json")
    a = ap.parse_args(argv)
    import torch, trl, copy
    torch.set_num_threads(a.threads)
    from transformers import AutoModelForCausalLM, TrainerCallback
    from toolft.world import synthesize, world_tools, WORLD_TOOLS
    from toolft.validate import prepare
    from toolft.templates import ChatTemplate, load_tokenizer
    from toolft.masks import MaskConfig
    from toolft.rewards import RewardScorer, trl_rewards
    from toolft.grpo import GRPOConfig, ToolftGRPOTrainer, grpo_rows, grpo_dataset, environments, install_parser, restore_prompt
    from datasets import Dataset

    reg = world_tools()
    recs, _, _ = prepare(synthesize(400, seed=11, split="train"), None, tools=reg, replay=True, skip_invalid=True)
    for r in recs: r["tools"] = reg.schemas()  # every row offers the six tools: the prompts TRL's `tools=` renders
    rows = [r for r in grpo_rows(recs, MaskConfig(think="drop")) if sum(m["role"] == "user" for m in r["prompt"]) == 1]
    tmpl = ChatTemplate(a.model)

    class Clock(TrainerCallback):
        def __init__(self): self.t = []
        def on_step_end(self, args, state, control, **kw): self.t.append(time.perf_counter())

    def run(kind, seed=0):
        tok = install_parser(load_tokenizer(a.model), tmpl)
        model = AutoModelForCausalLM.from_pretrained(a.model)
        funcs, weights = trl_rewards(RewardScorer(tmpl, tools=world_tools(), rollouts=True))
        common = dict(output_dir=f"/tmp/grpo_tp_{kind}", max_steps=a.steps + a.warmup, num_generations=8, per_device_train_batch_size=a.batch,
                      learning_rate=1e-5, temperature=0.7, max_completion_length=256, max_tool_calling_iterations=3, logging_steps=1,
                      save_strategy="no", report_to="none", seed=seed, reward_weights=weights, bf16=False, activation_checkpointing=False,
                      disable_tqdm=True)
        clock = Clock()
        if kind == "trl_tools":
            ds = Dataset.from_list([{"prompt": r["prompt"], "gold": r["gold"]} for r in rows])
            tr = trl.GRPOTrainer(model=model, reward_funcs=funcs, args=trl.GRPOConfig(**common), train_dataset=ds, processing_class=tok,
                                 tools=list(WORLD_TOOLS), callbacks=[clock])
        else:
            classes, schemas = environments(recs, reg)
            tr = ToolftGRPOTrainer(model=model, reward_funcs=funcs, args=GRPOConfig(**common), train_dataset=grpo_dataset(rows), processing_class=tok,
                                   environment_factory=classes, template=tmpl, schemas=schemas, callbacks=[clock])
        tr.train()
        h = [x for x in tr.state.log_history if "completions/mean_length" in x][a.warmup:]
        secs = clock.t[-1] - clock.t[a.warmup - 1]
        tokens = sum(x["completions/mean_length"] for x in h) * a.batch
        return {"seconds_per_step": secs / a.steps, "rollout_tokens_per_s": tokens / secs,
                "calls_per_rollout": statistics.mean(x["tools/call_frequency"] for x in h)}

    res = {"trl_tools": [], "toolft_env": []}
    for i in range(a.repeats):
        for kind in res:
            res[kind].append(run(kind)); print(kind, i, res[kind][-1], flush=True)
    summary = {k: {m: round(statistics.median(r[m] for r in v), 3) for m in v[0]} for k, v in res.items()}
    summary["ratio_step_time"] = round(summary["toolft_env"]["seconds_per_step"] / summary["trl_tools"]["seconds_per_step"], 3)
    out = {"args": vars(a), "runs": res, "summary": summary}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
