"""SFT tokens/s and evaluation seconds with 1 and 2 torch threads, with the box idle and with one core taken by a busy loop (by hand, not a test)

Session 32's demo with a busy loop on one of the box's two cores ran SFT 7.7x slower (2.3k against 17.5k tokens/s), not
2x: this asks whether torch's two threads waiting on each other is the cause, i.e. whether one thread does better when a
core is taken. Each run trains the embedded model from scratch for `--steps` steps of the demo's SFT recipe on `--records`
world conversations; the busy loop is a separate process started before and killed after each busy run. Then (session 33)
the same four settings for generation: the demo's evaluation (whole conversations, tools executed, batches of 50) of `--eval`
held-out conversations by the model the idle two-thread run trained.

    .venv/bin/python benchmarks/thread_contention.py --steps 60 --records 2000 --eval 100 -o benchmarks/results/thread_contention.json
"""
import argparse, contextlib, json, subprocess, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)


@contextlib.contextmanager
def busy_core(on: bool):
    "A busy loop on one core while the block runs (nothing when `on` is false)"
    loop = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if on else None
    try: yield
    finally:
        if loop: loop.kill(); loop.wait()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--eval", type=int, default=100, help="held-out conversations evaluated per setting (0: no evaluation)")
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args(argv)
    import time, torch
    from toolft.demo import RECIPE, whole_conversations
    from toolft.evaluate import run_eval, HFGenerator
    from toolft.templates import ChatTemplate
    from toolft.sft import SFTConfig, train_sft
    from toolft.tiny import build_tiny
    from toolft.validate import prepare
    from toolft.world import synthesize, world_tools
    train, _, _ = prepare(synthesize(a.records, seed=0, split="train", weights=RECIPE["case_weights"]), None, tools=world_tools(), replay=True, skip_invalid=True)
    held_out, _, _ = prepare(synthesize(a.eval, seed=1, split="eval"), None, tools=world_tools(), replay=True, skip_invalid=True)
    rows, evals = [], []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        build_tiny(tmp / "tiny")
        for busy in (False, True):
            for threads in (2, 1):
                fields = RECIPE["sft"] | {"max_steps": a.steps, "max_seconds": None, "torch_threads": threads, "dataset_num_proc": 1, "logging_steps": a.steps}
                with busy_core(busy):
                    res = train_sft(SFTConfig(output_dir=str(tmp / f"run_{busy}_{threads}"), seed=0, data_seed=0, report_to="none", **fields),
                                    str(tmp / "tiny"), train, live=False, progress=False)
                rows.append({"busy_core": busy, "threads": threads, "steps": res.steps, "seconds": round(res.seconds, 1), "tokens_per_second": round(res.tokens_per_second)})
                print(json.dumps(rows[-1]), flush=True)
        tmpl = ChatTemplate(str(tmp / "tiny"))
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(tmp / "run_False_2") if a.eval else None
        for busy in (False, True) if a.eval else ():
            for threads in (2, 1):
                torch.set_num_threads(threads)
                with busy_core(busy):
                    t0 = time.time()
                    run_eval(held_out, HFGenerator(model, tmpl.tokenizer, 160, 50, 0), tmpl, world_tools(), whole_conversations(0), progress=False)
                evals.append({"busy_core": busy, "threads": threads, "conversations": len(held_out), "seconds": round(time.time() - t0, 1)})
                print(json.dumps(evals[-1]), flush=True)
    Path(a.out).write_text(json.dumps({"command": " ".join(["benchmarks/thread_contention.py"] + (argv or sys.argv[1:])), "runs": rows, "evaluations": evals}, indent=1) + "\n")


if __name__ == "__main__":
    main()
