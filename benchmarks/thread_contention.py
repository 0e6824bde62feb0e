"""SFT tokens/s with 1 and 2 torch threads, with the box idle and with one core taken by a busy loop (by hand, not a test)

Session 32's demo with a busy loop on one of the box's two cores ran SFT 7.7x slower (2.3k against 17.5k tokens/s), not
2x: this asks whether torch's two threads waiting on each other is the cause, i.e. whether one thread does better when a
core is taken. Each run trains the embedded model from scratch for `--steps` steps of the demo's SFT recipe on `--records`
world conversations; the busy loop is a separate process started before and killed after each busy run.

    .venv/bin/python benchmarks/thread_contention.py --steps 60 --records 2000 -o benchmarks/results/thread_contention.json
"""
import argparse, json, subprocess, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args(argv)
    from toolft.demo import RECIPE
    from toolft.sft import SFTConfig, train_sft
    from toolft.tiny import build_tiny
    from toolft.validate import prepare
    from toolft.world import synthesize, world_tools
    train, _, _ = prepare(synthesize(a.records, seed=0, split="train", weights=RECIPE["case_weights"]), None, tools=world_tools(), replay=True, skip_invalid=True)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        build_tiny(tmp / "tiny")
        for busy in (False, True):
            for threads in (2, 1):
                fields = RECIPE["sft"] | {"max_steps": a.steps, "max_seconds": None, "torch_threads": threads, "dataset_num_proc": 1, "logging_steps": a.steps}
                loop = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
                try:
                    res = train_sft(SFTConfig(output_dir=str(tmp / f"run_{busy}_{threads}"), seed=0, data_seed=0, report_to="none", **fields),
                                    str(tmp / "tiny"), train, live=False, progress=False)
                finally:
                    if loop: loop.kill(); loop.wait()
                rows.append({"busy_core": busy, "threads": threads, "steps": res.steps, "seconds": round(res.seconds, 1), "tokens_per_second": round(res.tokens_per_second)})
                print(json.dumps(rows[-1]), flush=True)
    Path(a.out).write_text(json.dumps({"command": " ".join(["benchmarks/thread_contention.py"] + (argv or sys.argv[1:])), "runs": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
