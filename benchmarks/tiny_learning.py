"""Can toolft's embedded tiny model learn tool calling on a CPU in minutes? (run by hand, not a test)

Builds the tiny tokenizer + untrained model (`toolft.tiny.build_tiny`), masks fresh `split="train"` world
records with toolft's masks, trains with a plain PyTorch loop (AdamW, warmup, cosine over wall time,
clip 1.0, fp32) for a fixed wall-clock budget, then greedy-generates the first assistant turn of held-out
`split="eval"` records (entities never seen in training) and scores it.

    .venv/bin/python benchmarks/tiny_learning.py                          # the best recipe measured so far (330 s of training)
    .venv/bin/python benchmarks/tiny_learning.py --seconds 60 --records 2000 --eval 40   # a quick look

Prints progress and a JSON summary (also written to --out when given).
"""
import argparse, json, os, sys, tempfile, time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=330, help="training wall-clock budget")
    ap.add_argument("--records", type=int, default=8000, help="training records (fresh entities in each; 6000 vs 16000 measured alike at 330 s)")
    ap.add_argument("--eval", type=int, default=100, help="held-out records to score")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads: 1 is stable under CPU contention; 2 only on an idle 2-core box")
    ap.add_argument("--batch-size", type=int, default=8, help="copying emerges after a number of steps, not samples: small batches, many steps")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--max-length", type=int, default=0, help="cut samples at a message boundary to this many tokens (0: no cut)")
    ap.add_argument("--turns", default="first", choices=["first", "all"],
                    help="first: each record cut after its first assistant message (~91 tokens/sample, what the eval scores); all: whole conversations (~166)")
    ap.add_argument("--arch", default="llama", choices=["llama", "qwen3"])
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--intermediate", type=int, default=384)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--model-dir", default=None, help="where to build the tiny model (default: a temporary directory)")
    ap.add_argument("--out", default=None, help="write the JSON summary here")
    a = ap.parse_args(argv)

    import torch
    torch.set_num_threads(a.threads)
    from transformers import AutoTokenizer, AutoModelForCausalLM
    from toolft.world import synthesize
    from toolft.records import normalize
    from toolft.templates import ChatTemplate
    from toolft.masks import MaskConfig, mask_record, MaskStats
    from toolft.tiny import build_tiny, tiny_manifest, train_plain, generate_replies, score_first_turns, METRICS

    t0 = time.time()
    d = build_tiny(a.model_dir or Path(tempfile.mkdtemp()) / "tiny", seed=a.seed, arch=a.arch, hidden_size=a.hidden, num_layers=a.layers, num_heads=a.heads, intermediate_size=a.intermediate)
    man = tiny_manifest(d)
    tok, model = AutoTokenizer.from_pretrained(d), AutoModelForCausalLM.from_pretrained(d)
    tmpl = ChatTemplate(tok)
    print(f"built {d}: vocab {man['vocab_size']}, {man['parameters']:,} parameters ({time.time() - t0:.1f} s)", flush=True)

    t1 = time.time()
    cfg, stats = MaskConfig(max_length=a.max_length or None), MaskStats()
    samples = []
    for r in synthesize(a.records, seed=a.seed + 1, split="train"):
        r = normalize(r).record
        if a.turns == "first":  # the prompt and the first assistant message: the decision and the call the eval scores
            k = next(i for i, m in enumerate(r["messages"]) if m["role"] == "assistant")
            r = {**r, "messages": r["messages"][:k + 1]}
        for s in mask_record(r, tmpl, cfg, stats):
            samples.append(s.__class__(s.id, s.sample, s.input_ids, s.labels, s.spans))  # drop per-character data: memory
    print(f"masked {stats.records} records -> {stats.samples} samples, {stats.tokens / stats.samples:.0f} tokens/sample, "
          f"{stats.trained_tokens / stats.tokens:.0%} trained ({time.time() - t1:.0f} s)", flush=True)

    ev = [normalize(r).record for r in synthesize(a.eval, seed=a.seed, split="eval")]
    base = score_first_turns(ev, generate_replies(model, tok, ev, max_new_tokens=60))
    print("untrained:", {k: base.get(k) for k in METRICS}, flush=True)

    tr = train_plain(model, samples, tok.pad_token_id, seconds=a.seconds, batch_size=a.batch_size, lr=a.lr, warmup=a.warmup,
                     seed=a.seed, log_every=25, on_log=lambda row: print(row, flush=True))
    print(f"trained {tr['steps']} steps in {tr['seconds']} s, {tr['tokens']:,} tokens, {tr['tokens_per_s']:,} tokens/s", flush=True)

    t2 = time.time()
    replies = generate_replies(model, tok, ev)
    sft = score_first_turns(ev, replies)
    print(f"generated {len(ev)} replies in {time.time() - t2:.0f} s", flush=True)
    for r, text in list(zip(ev, replies))[:6]: print("  ", repr(r["messages"][1]["content"]), "->", repr(text[:200]))
    summary = {"stages": {"base": base, "sft": sft}, "train": {k: tr[k] for k in ("seconds", "tokens", "steps", "tokens_per_s")},
               "final_loss": tr["log"][-1]["loss"] if tr["log"] else None, "records": a.records, "samples": len(samples),
               "model": {"vocab_size": man["vocab_size"], "parameters": man["parameters"], **man["args"]},
               "argv": sys.argv[1:], "threads": a.threads, "wall_s": round(time.time() - t0)}
    print(json.dumps({k: sft.get(k) for k in METRICS} | {"n": sft["n"]}, indent=1))
    print(json.dumps(sft["by_case"], indent=1))
    if a.out: Path(a.out).write_text(json.dumps(summary, indent=1) + "\n")
    return summary


if __name__ == "__main__": main()
