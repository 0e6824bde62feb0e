"""DPO throughput: toolft's `train_dpo` vs plain TRL `DPOTrainer` defaults, same model, same pairs, one run (by hand, not a test)

All runs train the embedded tiny model (`build_tiny`, as saved: TRL's default reference reload reads the same weights) for
`--steps` optimizer steps on the same preference pairs, one after the other in this process, with the same torch thread
count. The pairs are `toolft.pairs.build_pairs`' (all seven types, scorer-confirmed, reasoning dropped) from
`split="train"` world records, as in `nbs/41_dpo.ipynb`.

- toolft: `train_dpo(DPOConfig(...))` as the notebook runs it: toolft's ids (`pair_tokens`), fp32, no activation
  checkpointing, the reference's log-probs precomputed once from the starting policy (`reference="precompute"`), the LM head
  on the completion tokens only (`add_plain_lm_head`, the CPU default);
- toolft variants, one change each: `reference="copy"` (an in-memory copy run every step) and `fused_lm_head=True` (TRL's head);
- TRL defaults: `DPOTrainer(model=DIR, train_dataset=Dataset(prompt, chosen, rejected, tools))` with
  `DPOConfig(output_dir, max_steps, per_device_train_batch_size, report_to=[], use_cpu=True)` (TRL's default bf16 refuses to
  start on a CPU-only machine without it): TRL's own chat-template tokenization, bf16 autocast, activation checkpointing,
  the fused LM head and a reference reloaded from the model's path and run every step. Only the batch size is set equal.

Reported per run: `tokenize_s` (toolft's `dpo_dataset`; TRL tokenizes inside its trainer), `setup_s` (building the trainer:
TRL's tokenization, the reference model or its precomputed log-probs), `train_s` (from train begin to train end), steps/s of the training loop and end to end (setup + training), and the ratios toolft / TRL.
The check `same_ids` counts the pairs on which TRL's own tokenization gave toolft's ids (the same data, token for token).

    .venv/bin/python benchmarks/dpo_throughput.py --steps 60 --records 200 --batch-size 8
"""
import argparse, json, os, tempfile, time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")


def trl_row(p: dict) -> dict:
    "A pair as TRL's conversational preference row; arguments and tools as JSON text, so Arrow cannot merge their keys across rows"
    def msg(m):
        m = {k: v for k, v in m.items() if k in ("role", "content", "tool_calls")}
        if m.get("tool_calls"): m["tool_calls"] = [{**c, "function": {**c["function"], "arguments": json.dumps(c["function"]["arguments"])}} for c in m["tool_calls"]]
        return m
    return {"prompt": [msg(m) for m in p["prompt"]], "chosen": [msg(m) for m in p["chosen"]], "rejected": [msg(m) for m in p["rejected"]],
            "tools": json.dumps(p["tools"])}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--records", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="write the JSON result here")
    a = ap.parse_args(argv)

    import torch
    torch.set_num_threads(a.threads)
    import transformers
    transformers.logging.set_verbosity_error()
    from datasets import Dataset
    from transformers import TrainerCallback
    import trl
    from toolft.world import synthesize
    from toolft.records import normalize
    from toolft.tiny import build_tiny, tiny_manifest
    from toolft.dpo import DPOConfig, train_dpo, dpo_dataset
    from toolft.templates import ChatTemplate, load_tokenizer

    tmp = Path(tempfile.mkdtemp())
    d = build_tiny(tmp / "tiny", n_records=400)
    from toolft.pairs import build_pairs
    from toolft.masks import MaskConfig
    tok = load_tokenizer(d)
    pairs, _ = build_pairs([normalize(r).record for r in synthesize(a.records, seed=1, split="train")], ChatTemplate(tok), seed=1)
    out = {"model": {k: tiny_manifest(d)[k] for k in ("vocab_size", "parameters")}, "steps": a.steps, "batch_size": a.batch_size,
           "threads": a.threads, "pairs": len(pairs), "versions": {"trl": trl.__version__, "transformers": transformers.__version__,
                                                                   "torch": torch.__version__.split("+")[0]}}

    class Clock(TrainerCallback):  # from train begin to train end, as train_dpo times its runs
        def on_train_begin(self, *args, **kw): self.t0 = time.time()
        def on_train_end(self, *args, **kw): self.seconds = time.time() - self.t0

    base = dict(max_steps=a.steps, per_device_train_batch_size=a.batch_size, learning_rate=1e-3, lr_scheduler_type="constant", logging_steps=10,
                activation_checkpointing=False, torch_threads=a.threads, report_to="none", save_strategy="no", seed=0, think="drop")
    t0 = time.time()
    ours, _ = dpo_dataset(pairs, ChatTemplate(tok), MaskConfig(think="drop"))  # the tokenization train_dpo runs before building its trainer
    tokenize = time.time() - t0
    for name, extra in (("toolft", {}), ("toolft_reference_copy", {"reference": "copy"}), ("toolft_fused_lm_head", {"fused_lm_head": True})):
        res = train_dpo(DPOConfig(output_dir=str(tmp / name), **base, **extra), str(d), pairs, live=False, progress=False)
        out[name] = {"tokenize_s": round(tokenize, 2), "setup_s": round(res.setup_seconds, 2), "train_s": round(res.seconds, 2), "steps": res.steps,
                     "final_margin": round(res.history[-1]["rewards/margins"], 3)}

    ds = Dataset.from_list([trl_row(p) for p in pairs])
    # use_cpu: without it TRL's default bf16=True refuses to start on a CPU-only machine ("doesn't support bf16/gpu")
    cfg = trl.DPOConfig(output_dir=str(tmp / "trl"), max_steps=a.steps, per_device_train_batch_size=a.batch_size, report_to=[],
                        disable_tqdm=True, save_strategy="no", use_cpu=not torch.cuda.is_available())
    clock, t0 = Clock(), time.time()
    tr = trl.DPOTrainer(model=str(d), args=cfg, train_dataset=ds, callbacks=[clock])  # tokenizes the pairs and loads the reference
    setup = time.time() - t0
    same = sum(tuple(x[k] for k in ("prompt_ids", "chosen_ids", "rejected_ids")) == tuple(y[k] for k in ("prompt_ids", "chosen_ids", "rejected_ids"))
               for x, y in zip(tr.train_dataset, ours))
    tr.train()
    out["trl_defaults"] = {"tokenize_s": 0.0, "setup_s": round(setup, 2), "train_s": round(clock.seconds, 2), "steps": tr.state.global_step,
                           "bf16": cfg.bf16, "activation_checkpointing": cfg.activation_checkpointing, "learning_rate": cfg.learning_rate,
                           "reference": f"reloaded from {type(tr.ref_model).__name__}.config._name_or_path, run every step",
                           "same_ids": f"{same}/{len(pairs)}"}
    for k in ("toolft", "toolft_reference_copy", "toolft_fused_lm_head", "trl_defaults"):
        r = out[k]
        r |= {"steps_per_s": round(r["steps"] / r["train_s"], 2),
              "steps_per_s_end_to_end": round(r["steps"] / (r["tokenize_s"] + r["setup_s"] + r["train_s"]), 2)}
    out["ratio_steps_per_s"] = round(out["toolft"]["steps_per_s"] / out["trl_defaults"]["steps_per_s"], 2)
    out["ratio_steps_per_s_end_to_end"] = round(out["toolft"]["steps_per_s_end_to_end"] / out["trl_defaults"]["steps_per_s_end_to_end"], 2)
    print(json.dumps(out, indent=1))
    if a.out: Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__": main()
