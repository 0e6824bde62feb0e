"""Mask benchmark (run by hand): tokens processed per multi-turn strategy, and render+mask throughput.

    .venv/bin/python benchmarks/masks_bench.py [--n 40] [--turns 5] [--repeat 3]

1. Tokens processed on 5-turn conversations by `auto` vs the single-sequence ideal (one render of the
   whole conversation) vs the naive per-turn split (one sample per turn, each with the whole history).
2. Throughput: records/s of `mask_record` (render + spans + tokenize + labels, caches cleared for every
   record) against the tokenizer's plain encode of the same rendered text. Each record is masked and then
   encoded, one after the other, `--repeat` times, so both sides see the same machine load; the ratio is
   given in wall time (the throughput) and in this process's CPU time (steadier on a shared machine).
   Two encodes: of the whole conversation's render (one text), and of the texts of the samples `auto`
   produced (the same text the masks tokenized: one per turn where a template rewrites history).
"""
import argparse, json, time, statistics, tempfile
from pathlib import Path
from toolft.records import normalize
from toolft.world import synthesize
from toolft.templates import ChatTemplate
from toolft import masks
from toolft.masks import mask_record, MaskConfig
from toolft.fixtures import fixtures_dir, real_tokenizers
from toolft.tiny import build_tiny


def five_turn(n, turns, seed=0):
    "n conversations of `turns` user turns, stitched from world records (tools = union of their tools)"
    pool = [normalize(r).record for r in synthesize(n * turns * 4, seed=seed) if r["meta"]["case"] in ("tool_required", "no_tool", "multi_step", "clarify")]
    pool = [r for r in pool if len([m for m in r["messages"] if m["role"] == "user"]) == 1]
    out = []
    for i in range(n):
        parts = pool[i * turns:(i + 1) * turns]
        tools = {t["function"]["name"]: t for r in parts for t in r["tools"]}
        msgs = [parts[0]["messages"][0]] if parts[0]["messages"][0]["role"] == "system" else []
        ids = 0
        for r in parts:
            for m in r["messages"]:
                if m["role"] == "system": continue
                m = json.loads(json.dumps(m))
                for c in m.get("tool_calls") or []: c["id"] = f"call_{ids}"; ids += 1
                if m["role"] == "tool": m["tool_call_id"] = f"call_{ids - 1}"  # world steps are sequential, one call each
                msgs.append(m)
        out.append(normalize({"id": f"five-{i}", "messages": msgs, "tools": list(tools.values())}, fmt="openai").record)
    return out


def main():
    ap = argparse.ArgumentParser(); ap.add_argument("--n", type=int, default=40); ap.add_argument("--turns", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    convs = five_turn(a.n, a.turns)
    tiny = build_tiny(Path(tempfile.gettempdir()) / "toolft-bench-tiny", n_records=600, overwrite=True)
    F = fixtures_dir() / "templates"
    llama = real_tokenizers()["llama3.2-bpe"]()
    cases = {"embedded tiny": ChatTemplate(tiny), "Qwen2.5 (llama3.2 tok)": ChatTemplate(F / "llama.cpp/Qwen-Qwen2.5-7B-Instruct.jinja", tokenizer=llama),
             "Llama-3.2": ChatTemplate(F / "llama.cpp/meta-llama-Llama-3.2-3B-Instruct.jinja", tokenizer=llama),
             "Qwen3 (rewrites history)": ChatTemplate(F / "trl/qwen3.jinja", tokenizer=llama)}
    print(f"{len(convs)} conversations of {a.turns} turns, {statistics.mean(len(c['messages']) for c in convs):.1f} messages each\n")
    print(f"{'template':28} {'think':5} {'auto tokens':>12} {'ideal':>9} {'auto/ideal':>10} {'naive/ideal':>11} {'mask rec/s':>10} {'encode rec/s':>12} {'ratio':>6} {'cpu ratio':>9} {'samples enc/s':>14} {'samples ratio':>13} {'samples cpu':>13}")
    for name, t in cases.items():
        think = "drop" if name.startswith(("Qwen2.5", "Llama")) else "train"
        cfg = MaskConfig(think=think)
        recs = [{**c, "messages": [{k: v for k, v in m.items() if not (think == "drop" and k == "reasoning_content")} for m in c["messages"]]} for c in convs]
        texts = [t.render(r["messages"], r["tools"]) for r in recs]
        ideal = sum(len(t.tokenizer(x, add_special_tokens=False)["input_ids"]) for x in texts)
        auto = sum(len(s.input_ids) for r in recs for s in mask_record(r, t, cfg))
        naive = sum(len(s.input_ids) for r in recs for s in mask_record(r, t, MaskConfig(think=think, multiturn="per-turn")))
        wall, cpu = [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]  # [mask, encode the conversation, encode the samples' texts]
        for _ in range(a.repeat):
            for r, x in zip(recs, texts):
                masks._CACHE.clear()  # no spans cached by earlier runs (mask_record itself only memoizes within a record)
                w0, c0 = time.perf_counter(), time.process_time()
                samples = mask_record(r, t, cfg)
                w1, c1 = time.perf_counter(), time.process_time()
                t.tokenizer(x, add_special_tokens=False)
                w2, c2 = time.perf_counter(), time.process_time()
                for s in samples: t.tokenizer(s.text, add_special_tokens=False)
                w3, c3 = time.perf_counter(), time.process_time()
                for i, (w, c) in enumerate([(w1 - w0, c1 - c0), (w2 - w1, c2 - c1), (w3 - w2, c3 - c2)]): wall[i] += w; cpu[i] += c
        k = len(recs) * a.repeat
        print(f"{name:28} {think:5} {auto:12d} {ideal:9d} {auto / ideal:10.3f} {naive / ideal:11.2f} {k / wall[0]:10.1f} {k / wall[1]:12.1f} {wall[1] / wall[0]:6.3f} {cpu[1] / cpu[0]:9.3f}"
              f" {k / wall[2]:14.1f} {wall[2] / wall[0]:13.3f} {cpu[2] / cpu[0]:13.3f}")


if __name__ == "__main__":
    main()
