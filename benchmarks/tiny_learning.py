"""Can toolft's embedded tiny model learn tool calling on a CPU in minutes? (run by hand, not a test)

Builds the tiny tokenizer + untrained model (`toolft.tiny.build_tiny`), masks fresh `split="train"` world
records with toolft's masks, trains with a plain PyTorch loop (AdamW, warmup, cosine over wall time,
clip 1.0, fp32; `plain_loop.py`) for a fixed wall-clock budget, then greedy-generates the first assistant turn of
held-out `split="eval"` records (entities never seen in training) and scores it with the evaluation suite
(`toolft.evaluate.run_eval`, the scorers of `toolft.score`).

    # the demo's recipe (toolft.demo.RECIPE) in this harness: letters, first reply, reasoning dropped, call cases x3, 1800 steps of 32
    .venv/bin/python benchmarks/tiny_learning.py --threads 2 --batch-size 32 --steps 1800 --records 12000 --think drop --subwords none \
        --case-weights tool_required=3,multi_step=3,multi_turn=3,parallel=3,failed_tool=3 --eval 200
    .venv/bin/python benchmarks/tiny_learning.py --seconds 60 --records 2000 --eval 40   # a quick look (defaults: the first round's settings)
    .venv/bin/python benchmarks/tiny_learning.py --steps 1600 --subwords none            # compare a lever at a fixed step count (CPU contention-proof)

`--subwords none|lsyl|ov`, `--digit-pairs`, `--numbers`, `--ops` rebuild the tokenizer with other entity pieces, and
`--copy N [--copy-codes]` adds copy-practice conversations (prototypes measured in the tiny notebook, first to third
round); `--case-weights` oversamples case types; `--probe-every` scores held-out records during training
(`time_to_quality.py` draws the curve); wrong calls are printed as expected vs generated.

Prints progress and a JSON summary (also written to --out when given).
"""
import argparse, json, os, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


METRICS = ("format_validity", "tool_selection", "arguments", "no_tool", "clarification")  # the suite's scorers, as `toolft.evaluate.HEADLINE`


def score_first_turns(model, tok, records, max_new_tokens=160):
    "(metrics, EvalResult) of greedy first replies to `records`, scored by the evaluation suite"
    from toolft.evaluate import run_eval, HFGenerator, EvalConfig
    from toolft.templates import ChatTemplate
    from toolft.world import world_tools
    res = run_eval(records, HFGenerator(model, tok, max_new_tokens, 50), ChatTemplate(tok), world_tools(),
                   EvalConfig(max_steps=1, first_turn_only=True, max_new_tokens=max_new_tokens), progress=False)
    return res.metrics(), res


def arg_failures(res):
    "The first turns whose calls the `arguments` scorer rejects: {case, want, got, reason}"
    out = []
    for t, s in res.firsts():
        sc = s["scores"]["arguments"]
        if sc is None or sc.value == 1.0: continue
        out.append({"case": t.case, "want": t.golds[0].calls, "got": s["parsed"].calls, "reason": sc.reason})
    return out


def copy_records(n, seed=0, codes=False):
    "Prototype: 'Repeat exactly: X' -> 'X' conversations, X one to three world values (names, numbers, dates, expressions)"
    import random, re
    from toolft.world import PER_USD, UNITS, is_eval_entity, city_name, person_name, company_name, random_date, random_decimal
    rng = random.Random(f"copy/{seed}")
    num = lambda: str(rng.randint(0, 999) if rng.random() < 0.6 else random_decimal(rng, 0, 999))
    def expr():
        t = f"{num()} {rng.choice('+-*/x')} {num()}"
        return t if rng.random() < 0.5 else f"({t}) {rng.choice('+-*/')} {num()}"
    makers = [lambda: city_name(rng), lambda: person_name(rng), lambda: company_name(rng), lambda: str(random_date(rng)), num, expr]
    if codes: makers += [lambda: f"{rng.choice(list(PER_USD))} {rng.choice(['to', 'and', 'in'])} {rng.choice(list(PER_USD))}",
                         lambda: f"{num()} {rng.choice(UNITS)} {rng.choice(['to', 'in', 'and'])} {rng.choice(UNITS)}"]
    def value():  # train-side values only: held-out entities stay unseen
        while True:
            v = rng.choice(makers)()
            if not any(is_eval_entity(w) for w in [v, *re.findall(r"[\d.]+", v)]): return v
    out = []
    for i in range(n):
        x = ", ".join(value() for _ in range(rng.randint(1, 3)))
        out.append({"id": f"copy-{i}", "messages": [{"role": "user", "content": f"Repeat exactly: {x}"}, {"role": "assistant", "content": x}], "tools": []})
    return out


def variant_tokenizer(a, tok0):
    "Prototype: the tiny tokenizer plus sub-word pieces (matched anywhere, longest first) and a fresh model"
    import toolft.tiny as T
    from toolft.world import _ONSETS, _VOWELS, _CODAS
    words = [t for t in tok0.get_vocab() if len(t) > 1 and t not in T.SPECIAL_TOKENS]
    sub = set()
    if a.subwords == "syl": sub = {o + v + c for o in _ONSETS for v in _VOWELS for c in _CODAS}
    if a.subwords == "ov": sub = {o + v for o in _ONSETS for v in _VOWELS} | {"th"}
    if a.subwords == "lsyl": sub = {o + v + c for o in _ONSETS for v in _VOWELS for c in _CODAS}  # capitals stay characters
    else: sub |= {w.capitalize() for w in sub}
    if a.ops: sub |= {f" {o} " for o in "+-*/x"} | {f".{i}" for i in range(10)} | {f"-{i:02d}" for i in range(1, 32)}
    if a.digit_pairs: sub |= {f"{i:02d}" for i in range(100)}
    if a.numbers: sub |= {f"{i:0{n}d}" for n in (2, 3) for i in range(10 ** n)}  # Llama-3's split: runs of up to 3 digits, left to right
    sub = {x for x in sub if len(x) > 1}
    tok = T.make_tokenizer(words, subwords=sub)  # sub-word pieces match anywhere, whole words only as words
    model = T.make_model(T.tiny_config(tok, a.arch, a.hidden, a.layers, a.heads, a.intermediate), seed=a.seed)
    return tok, model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=330, help="training wall-clock budget")
    ap.add_argument("--steps", type=int, default=0, help="train this many steps instead of --seconds (compare levers independently of CPU contention)")
    ap.add_argument("--records", type=int, default=8000, help="training records (fresh entities in each; 6000 vs 16000 measured alike at 330 s)")
    ap.add_argument("--eval", type=int, default=100, help="held-out records to score")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads: 1 is stable under CPU contention; 2 only on an idle 2-core box")
    ap.add_argument("--batch-size", type=int, default=8, help="copying emerges after a number of steps, not samples: small batches, many steps")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--decay", type=float, default=None, help="constant lr, then linear decay over this last fraction of the run (default: cosine over the whole run)")
    ap.add_argument("--case-weights", default="", help="oversample case types, e.g. 'tool_required=2,parallel=2' (others 1)")
    ap.add_argument("--copy", type=int, default=0, help="prototype: add this many 'Repeat exactly: X' conversations (copy practice)")
    ap.add_argument("--copy-codes", action="store_true", help="prototype: copy practice also on currency pairs and units (closed sets that the tool schemas enumerate)")
    ap.add_argument("--cases", default="", help="train only on these case types, e.g. 'tool_required,no_tool' (default: all)")
    ap.add_argument("--max-length", type=int, default=0, help="cut samples at a message boundary to this many tokens (0: no cut)")
    ap.add_argument("--turns", default="first", choices=["first", "all"],
                    help="first: each record cut after its first assistant message (~91 tokens/sample, what the eval scores); all: whole conversations (~166)")
    ap.add_argument("--think", default="train", choices=["train", "mask", "drop"], help="reasoning spans: trained, masked, or dropped from the records")
    ap.add_argument("--arch", default="llama", choices=["llama", "qwen3"])
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--intermediate", type=int, default=384)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--model-dir", default=None, help="where to build the tiny model (default: a temporary directory)")
    ap.add_argument("--subwords", default="syl", choices=["none", "syl", "lsyl", "ov"],
                    help="entity pieces. syl: build_tiny(subwords=True) (name syllables, capitalized too, + digit pairs); none: letters and digits only (build_tiny's default); "
                         "prototypes: lsyl (lowercase syllables only), ov (onset+vowel pieces)")
    ap.add_argument("--digit-pairs", action="store_true", help="prototypes (and none): add 00..99 as pieces")
    ap.add_argument("--numbers", action="store_true", help="prototype: every 2- and 3-digit string as a piece, so numbers split as Llama-3 splits them ('2032' -> '203|2')")
    ap.add_argument("--ops", action="store_true", help="prototype: ' + ', ' - ', ..., '.0'..'.9', '-01'..'-31' as pieces (fewer repeated tokens in expressions and dates)")
    ap.add_argument("--probe-every", type=float, default=0, help="every this many training seconds, score --probe-eval held-out records (time not counted as training)")
    ap.add_argument("--probe-eval", type=int, default=50, help="held-out records scored by each probe (the first of --eval)")
    ap.add_argument("--show-failures", type=int, default=20, help="print this many wrong calls (expected vs generated)")
    ap.add_argument("--out", default=None, help="write the JSON summary here")
    a = ap.parse_args(argv)

    import torch
    torch.set_num_threads(a.threads)
    from transformers import AutoTokenizer, AutoModelForCausalLM
    from toolft.world import synthesize
    from toolft.records import normalize
    from toolft.templates import ChatTemplate
    from toolft.masks import MaskConfig, mask_record, MaskStats
    from toolft.tiny import build_tiny, tiny_manifest
    from plain_loop import train_plain

    t0 = time.time()
    proto = a.subwords in ("lsyl", "ov") or a.ops or (a.subwords == "none" and (a.digit_pairs or a.numbers))
    d = build_tiny(a.model_dir or Path(tempfile.mkdtemp()) / "tiny", seed=a.seed, arch=a.arch, hidden_size=a.hidden, num_layers=a.layers,
                   num_heads=a.heads, intermediate_size=a.intermediate, subwords=a.subwords == "syl" and not proto)
    man = tiny_manifest(d)
    tok, model = AutoTokenizer.from_pretrained(d), AutoModelForCausalLM.from_pretrained(d)
    if proto:  # prototype: extra pieces without word-boundary lookarounds, on top of the letters-only tokenizer
        tok, model = variant_tokenizer(a, tok)
        man = {**man, "vocab_size": len(tok), "parameters": sum(p.numel() for p in model.parameters())}
    tmpl = ChatTemplate(tok)
    print(f"built {d}: vocab {man['vocab_size']}, {man['parameters']:,} parameters ({time.time() - t0:.1f} s)", flush=True)

    t1 = time.time()
    cfg, stats = MaskConfig(max_length=a.max_length or None, think=a.think), MaskStats()
    samples = []
    from toolft.world import CASES
    w = {k: int(v) for k, v in (x.split("=") for x in a.case_weights.split(",") if x)}
    only = set(a.cases.split(",")) if a.cases else set(CASES)
    for r in synthesize(a.records, seed=a.seed + 1, split="train", cases=[c for c in CASES if c in only], weights=w):
        r = normalize(r).record
        if a.turns == "first":  # the prompt and the first assistant message: the decision and the call the eval scores
            k = next(i for i, m in enumerate(r["messages"]) if m["role"] == "assistant")
            r = {**r, "messages": r["messages"][:k + 1]}
        for s in mask_record(r, tmpl, cfg, stats):
            samples.append(s.__class__(s.id, s.sample, s.input_ids, s.labels, s.spans))  # drop per-character data: memory
    if a.copy:
        for r in copy_records(a.copy, a.seed, codes=a.copy_codes): samples += [x.__class__(x.id, x.sample, x.input_ids, x.labels, x.spans) for x in mask_record(r, tmpl, cfg, stats)]
    print(f"masked {stats.records} records -> {stats.samples} samples, {stats.tokens / stats.samples:.0f} tokens/sample, "
          f"{stats.trained_tokens / stats.tokens:.0%} trained ({time.time() - t1:.0f} s)", flush=True)

    ev = [normalize(r).record for r in synthesize(a.eval, seed=a.seed, split="eval")]
    base, _ = score_first_turns(model, tok, ev, max_new_tokens=60)
    print("untrained:", {k: base.get(k) for k in METRICS}, flush=True)

    def probe(m, row):  # a point of the time-to-quality curve
        q, _ = score_first_turns(m, tok, ev[:a.probe_eval], max_new_tokens=100)
        row = row | {k: q.get(k) for k in METRICS}
        print("probe", row, flush=True)
        return row
    tr = train_plain(model, samples, tok.pad_token_id, seconds=None if a.steps else a.seconds, steps=a.steps or None, batch_size=a.batch_size, lr=a.lr, warmup=a.warmup, decay=a.decay,
                     seed=a.seed, log_every=25, on_log=lambda row: print(row, flush=True), probe_every=a.probe_every or None, on_probe=probe)
    print(f"trained {tr['steps']} steps in {tr['seconds']} s, {tr['tokens']:,} tokens, {tr['tokens_per_s']:,} tokens/s", flush=True)

    t2 = time.time()
    sft, res = score_first_turns(model, tok, ev)
    replies = [s["output"] for _, s in res.firsts()]
    print(f"generated {len(ev)} replies in {time.time() - t2:.0f} s", flush=True)
    for r, text in list(zip(ev, replies))[:6]: print("  ", repr(r["messages"][1]["content"]), "->", repr(text[:200]))
    drop = ("call_counts", "by_decision", "errors")  # per-sample lists and detail: in the result, not the summary
    base, sft = ({k: v for k, v in m.items() if k not in drop} for m in (base, sft))
    summary = {"stages": {"base": base, "sft": sft}, "train": {k: tr[k] for k in ("seconds", "tokens", "steps", "tokens_per_s")},
               "final_loss": tr["log"][-1]["loss"] if tr["log"] else None, "curve": tr.get("probes", []), "records": a.records, "samples": len(samples),
               "model": {"vocab_size": man["vocab_size"], "parameters": man["parameters"], **man["args"]},
               "argv": sys.argv[1:], "threads": a.threads, "wall_s": round(time.time() - t0)}
    print(json.dumps({k: sft.get(k) for k in METRICS} | {"n": sft["n"]}, indent=1))
    print(json.dumps({c: {k: v.get(k) for k in METRICS} for c, v in sft["by_case"].items()}, indent=1))
    fails = arg_failures(res)
    summary["arg_failures"] = fails
    by_kind = {}
    for f in fails: by_kind[f["reason"].split(":")[0]] = by_kind.get(f["reason"].split(":")[0], 0) + 1
    print(f"argument failures: {len(fails)}, by error type: {by_kind}")
    for f in fails[:a.show_failures]: print("   want", f["want"], "\n    got ", f["got"], "\n    why ", f["reason"])
    if a.out: Path(a.out).write_text(json.dumps(summary, indent=1) + "\n")
    return summary


if __name__ == "__main__": main()
