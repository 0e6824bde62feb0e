"""Continued SFT on the SFT model's own data with DPO's optimizer settings: the control for the over-calling DPO's argument cost (by hand, not a test)

The over-calling experiment's DPO (`benchmarks/overcalling.py`) costs exact arguments on most seeds, and so does its NLL term
alone (session 24: `--loss-type sft --anchor-weight 1.0`). This asks whether any further training of that SFT model does:
per seed, the call-heavy SFT model of an earlier run (DIR/seed<k>/sft_call_heavy) is trained again on the records it was
trained on (the call-heavy mix, the same seed and count, first replies), with the DPO stage's optimizer settings (a fresh
Adam, learning rate 5e-5 with cosine decay, 10 warm-up steps, batches of 16, 120 steps), and saved to OUT/seed<k>/sft_more.
Evaluate it with `benchmarks/overcalling_reeval.py` beside the SFT and DPO models ("more sft=OUT/seed{seed}/sft_more").

    .venv/bin/python benchmarks/continued_sft.py --seeds 0,1,2,3,4,5 --sft-from runs/oc_r2b -o runs/oc_cont_sft
"""
import argparse, json, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common  # noqa: F401  (the benchmarks' environment)
from overcalling import NON_CALL_CASES


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--sft-from", required=True, help="an over-calling run with DIR/seed<k>/sft_call_heavy")
    ap.add_argument("--records", type=int, default=8000, help="the SFT's training records (the over-calling run's --records)")
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args(argv)
    import torch
    torch.set_num_threads(a.threads)
    from toolft.world import synthesize, world_tools
    from toolft.validate import prepare
    from toolft.sft import SFTConfig, train_sft
    from toolft.demo import RECIPE, CALLS
    heavy = {c: 20 for c in CALLS} | {c: 2 for c in NON_CALL_CASES}  # the over-calling run's call-heavy mix
    recipe = {**RECIPE["sft"], "max_seconds": None, "torch_threads": a.threads, "logging_steps": 20, "multiturn": "first", "length_grouping": 1,
              "max_steps": a.steps, "learning_rate": a.lr, "warmup_steps": 10, "per_device_train_batch_size": a.batch, "adam_beta2": 0.999}  # DPO's optimizer
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    for seed in [int(s) for s in a.seeds.split(",")]:
        t0, start = time.time(), Path(a.sft_from) / f"seed{seed}" / "sft_call_heavy"
        train, _, _ = prepare(synthesize(a.records, seed=seed, split="train", weights=heavy), None, tools=world_tools(), replay=True, skip_invalid=True)
        res = train_sft(SFTConfig(output_dir=str(out / f"seed{seed}" / "sft_more"), seed=seed, data_seed=seed, report_to="none", **recipe),
                        str(start), train, live=False, progress=False)
        losses = [h["loss"] for h in res.history if "loss" in h]
        row = {"start": str(start), "records": len(train), "seconds": round(time.time() - t0), "loss_first": losses[0] if losses else None,
               "loss_last": losses[-1] if losses else None, "args": vars(a)}
        (out / f"seed{seed}" / "metrics.json").write_text(json.dumps(row, indent=1) + "\n")
        print(seed, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
