"""SFT throughput: toolft's `train_sft` vs plain TRL `SFTTrainer` defaults, same model, same records, one run (by hand, not a test)

Both train the embedded tiny model (`build_tiny`) for `--steps` optimizer steps on the same `split="train"` world
records, one after the other in this process, with the same torch thread count:

- toolft: `train_sft(SFTConfig(...))`: toolft's masks as `input_ids`/`labels`, fp32, length-grouped shuffled batches, no activation
  checkpointing, transformers' own loss on a CPU (`ToolftSFTTrainer`);
- `train_plain` (the plain PyTorch loop of `plain_loop.py`, no Trainer) on the same masks, as a reference;
- TRL defaults: `SFTTrainer(model=DIR, train_dataset=Dataset(messages, tools))` with `SFTConfig(output_dir, max_steps,
  report_to=[], use_cpu=True)` (TRL's default bf16 refuses to start on a CPU-only machine without it); everything else TRL's default (batch 8, its own chat-template tokenization, bf16/gradient-checkpointing
  defaults as TRL sets them), only `per_device_train_batch_size` set equal to toolft's.

Reported per run: steps/s, samples/s, input tokens/s counting padding ("all", as the Trainer counts them) and the
ratio toolft / TRL. The data are the same records, so samples/s is the like-for-like figure.

    .venv/bin/python benchmarks/sft_throughput.py --steps 60 --records 600
"""
import argparse, json, os, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--records", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="write the JSON result here")
    a = ap.parse_args(argv)

    import torch
    torch.set_num_threads(a.threads)
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTTrainer
    import trl
    from toolft.world import synthesize
    from toolft.records import normalize
    from toolft.tiny import build_tiny, tiny_manifest
    from toolft.sft import SFTConfig, train_sft

    tmp = Path(tempfile.mkdtemp())
    d = build_tiny(tmp / "tiny", hidden_size=128, intermediate_size=384)
    recs = [normalize(r).record for r in synthesize(a.records, seed=1, split="train")]
    out = {"model": {k: tiny_manifest(d)[k] for k in ("vocab_size", "parameters")}, "steps": a.steps, "batch_size": a.batch_size,
           "threads": a.threads, "records": len(recs)}

    run = SFTConfig(output_dir=str(tmp / "toolft"), max_steps=a.steps, per_device_train_batch_size=a.batch_size, learning_rate=2e-3,
                    lr_scheduler_type="cosine", warmup_steps=5, logging_steps=10, activation_checkpointing=False, torch_threads=a.threads,
                    report_to="none", save_strategy="no", multiturn="last", seed=0)
    res = train_sft(run, str(d), recs, live=False, progress=False)
    out["toolft"] = {"seconds": round(res.seconds, 2), "steps": res.steps, "tokens": res.tokens}

    # reference: toolft's plain PyTorch loop (no Trainer) on the same masks, same batch size
    from transformers import AutoModelForCausalLM
    from toolft.masks import mask_record
    from plain_loop import train_plain
    samples = [s for r in recs for s in mask_record(r, res.template, run.mask_config())]
    pl = train_plain(AutoModelForCausalLM.from_pretrained(d), samples, res.tokenizer.pad_token_id, steps=a.steps, batch_size=a.batch_size, warmup=5, log_every=10**9)
    out["train_plain"] = {"seconds": pl["seconds"], "steps": pl["steps"], "tokens": pl["tokens"], "note": "tokens without padding"}

    class Clock(TrainerCallback):  # the same clock as train_sft: from train begin to train end
        def on_train_begin(self, *args, **kw): self.t0 = time.time()
        def on_train_end(self, *args, **kw): self.seconds = time.time() - self.t0
    ds = Dataset.from_list([{"messages": r["messages"], "tools": r["tools"]} for r in recs])
    # use_cpu: without it TRL's default bf16=True refuses to start on a CPU-only machine ("doesn't support bf16/gpu")
    cfg = trl.SFTConfig(output_dir=str(tmp / "trl"), max_steps=a.steps, per_device_train_batch_size=a.batch_size, report_to=[],
                    include_num_input_tokens_seen="all", disable_tqdm=True, save_strategy="no", use_cpu=not torch.cuda.is_available())
    clock = Clock()
    tr = SFTTrainer(model=str(d), args=cfg, train_dataset=ds, callbacks=[clock])
    tr.train()
    out["trl_defaults"] = {"seconds": round(clock.seconds, 2), "steps": tr.state.global_step, "tokens": int(tr.state.num_input_tokens_seen),
                           "bf16": cfg.bf16, "activation_checkpointing": cfg.activation_checkpointing, "padding_free": cfg.padding_free,
                           "packing": cfg.packing, "learning_rate": cfg.learning_rate}
    for k in ("toolft", "train_plain", "trl_defaults"):
        r = out[k]
        r |= {"steps_per_s": round(r["steps"] / r["seconds"], 2), "samples_per_s": round(r["steps"] * a.batch_size / r["seconds"], 1),
              "tokens_per_s": round(r["tokens"] / r["seconds"])}
    out["ratio_samples_per_s"] = round(out["toolft"]["samples_per_s"] / out["trl_defaults"]["samples_per_s"], 2)
    out["ratio_tokens_per_s"] = round(out["toolft"]["tokens_per_s"] / out["trl_defaults"]["tokens_per_s"], 2)
    print(json.dumps(out, indent=1))
    if a.out: Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__": main()
