"""CoT SFT against answer-only RL on the reasoning slice (issue 16 §2; by hand, not a test)

Per seed, `toolft.reasoning.run_reasoning` with `REASONING_FULL`: answer-only SFT (think=drop) and CoT SFT (think=train),
600 steps of 32 from the untrained tiny model; then GRPO from each, rewarded only for format and the final answer
(`R1_ZERO_WEIGHTS`), 200 steps of 32 rollouts (8 per prompt); every recipe evaluated greedily on the 274 held-out
problems (unseen combinations of seen steps) with the strict verifier and the trace statistics.

    .venv/bin/python benchmarks/reasoning.py --seeds 0,1,2 -o runs/reasoning --export benchmarks/results/reasoning.json
    .venv/bin/python benchmarks/reasoning.py --seeds 0,1,2 -o runs/reasoning_lr1e-3 --recipes answer_only+rl,cot+rl \
        --sft-from runs/reasoning --rl-lr 1e-3 --export benchmarks/results/reasoning_lr1e-3.json
    .venv/bin/python benchmarks/reasoning.py --seeds 0,1,2 -o runs/reasoning_strict_lr1e-3 --recipes answer_only+rl,cot+rl \
        --sft-from runs/reasoning --rl-lr 1e-3 --strict-format --export benchmarks/results/reasoning_strict_lr1e-3.json
    .venv/bin/python benchmarks/reasoning.py --seeds 0,1,2 -o runs/reasoning_trace_lr1e-3 --recipes cot+rl \
        --sft-from runs/reasoning --rl-lr 1e-3 --strict-format --trace-reward --export benchmarks/results/reasoning_trace_lr1e-3.json
    .venv/bin/python benchmarks/reasoning.py --seeds 0,1,2 -o runs/reasoning_grounded_lr1e-3 --recipes cot+rl \
        --sft-from runs/reasoning --rl-lr 1e-3 --strict-format --trace-reward grounded --export benchmarks/results/reasoning_grounded_lr1e-3.json

Writes OUT/seed<k>/metrics.json (resumable: a seed with a metrics file is skipped) and, with --export, the summary that
`nbs/55_reasoning.ipynb` shows (mean, min-max and per-seed values of every metric, the RL reward histories, the command).
"""
import argparse, json, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import seed_metrics, spread


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("-o", "--out", default="runs/reasoning")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--export", default=None, help="write the summary JSON here (e.g. benchmarks/results/reasoning.json)")
    ap.add_argument("--recipes", default=None, help="comma-separated subset of toolft.reasoning.RECIPES (default: all)")
    ap.add_argument("--sft-from", default=None, help="DIR/seed<k>: SFT models of an earlier run, for RL-only recipes")
    ap.add_argument("--rl-lr", type=float, default=None, help="GRPO learning rate (default: run_reasoning's 1e-4)")
    ap.add_argument("--strict-format", action="store_true", help="GRPO rewards toolft.reasoning.AnswerFormat instead of the lenient format component")
    ap.add_argument("--trace-reward", nargs="?", const="valid", default=None, choices=["valid", "grounded"],
                    help="GRPO also rewards the trace: valid (StepValidity, the share of true equations; the default when given bare) or grounded (GroundedSteps)")
    a = ap.parse_args(argv)
    import torch
    from toolft.reasoning import run_reasoning, REASONING_FULL, REASONING_METRICS, RECIPES
    torch.set_num_threads(a.threads)
    out = Path(a.out)
    recipes = tuple(a.recipes.split(",")) if a.recipes else RECIPES
    for seed in [int(s) for s in a.seeds.split(",")]:
        f = out / f"seed{seed}" / "metrics.json"
        if f.exists(): print(f"seed {seed}: done before ({f})"); continue
        t0 = time.time()
        res = run_reasoning(out / f"seed{seed}", seed=seed, sizes=REASONING_FULL, recipes=recipes, rl={"learning_rate": a.rl_lr} if a.rl_lr else None,
                            sft_from=Path(a.sft_from) / f"seed{seed}" if a.sft_from else None, strict_format=a.strict_format,
                            trace_reward=a.trace_reward)
        f.write_text(json.dumps({**res, "wall_seconds": round(time.time() - t0, 1)}, indent=1))
        print(f"seed {seed}: {time.time() - t0:.0f} s", flush=True)
    runs = seed_metrics(out)
    summary = spread(runs, recipes, REASONING_METRICS)
    print(json.dumps({r: {k: v["mean"] for k, v in s.items()} for r, s in summary.items()}, indent=1))
    if a.export:
        cmd = "python benchmarks/reasoning.py " + " ".join(argv if argv is not None else sys.argv[1:])
        Path(a.export).write_text(json.dumps({"command": cmd, "sizes": REASONING_FULL, "rl_learning_rate": a.rl_lr or 1e-4, "strict_format": a.strict_format, "trace_reward": a.trace_reward, "seeds": sorted(runs), "summary": summary,
                                              "histories": {s: {r: m[r]["history"] for r in recipes if m[r]["history"]} for s, m in runs.items()},
                                              "examples": {s: {r: m[r]["examples"] for r in recipes} for s, m in runs.items()},
                                              "seconds": {s: {r: m[r]["seconds"] for r in recipes} for s, m in runs.items()}}, indent=1))
        print(f"wrote {a.export}")


if __name__ == "__main__":
    main()
