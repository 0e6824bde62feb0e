"""Best-of-N with a verifier (issue 16 §3; by hand, not a test): accuracy and cost against N on a trained SFT model

Per seed: the SFT model of `benchmarks/grpo_tools.py` (DIR/seed<k>/sft: 800 steps on every assistant reply, the embedded
world), evaluated on the same held-out conversations, whole trajectories with executed tools (up to 4 replies per user turn):
greedy decoding, then N = 1, 2, 4, 8, 16 samples at `--temperature` per step, kept by a selector (`toolft.bestofn`):
`verifier` (gold-free checks, majority decision first), `checks` (the checks alone), `reward-model` (`--reward-model DIR`).
Cost: generated tokens per evaluated turn (all N samples; independent of the machine's load) and wall seconds.

    .venv/bin/python benchmarks/best_of_n.py --sft-from runs/grpo_auto800 --seeds 0 -o runs/best_of_n
    # session 41 (34_bestofn), per seed K, on the comparison's SFT models and the reward model its RLOO run trained:
    .venv/bin/python benchmarks/best_of_n.py --sft-from runs/s41/compare --seeds K --ns 1,2,4,8,16 --select verifier,reward-model \
        --reward-model runs/s41/compare/seedK/rm --eval 200 --threads 1 -o runs/s41/best_of_n

Writes OUT/seed<k>/metrics.json, OUT/summary.json and OUT/best_of_n.html (metrics against N, one line per selector).
`--export OUT FILE` gathers every seed's rows and commands into one results file (what `nbs/34_bestofn.ipynb` reads):

    .venv/bin/python benchmarks/best_of_n.py --export runs/s41/best_of_n benchmarks/results/best_of_n_seeds.json
"""
import argparse, json, os, statistics, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import seed_metrics, command_of
from grpo_tools import metrics_of  # the same numbers as the GRPO experiment

KEYS = ("macro_f1", "arguments", "tool_selection", "trajectory_success", "format_validity", "calls_per_turn", "empty_replies", "repeated_calls")


def arg_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--sft-from", default="runs/grpo_auto800", help="DIR/seed<k>/sft: the SFT models")
    ap.add_argument("--ns", default="1,2,4,8,16")
    ap.add_argument("--select", default="verifier,checks", help="comma-separated: verifier, checks, reward-model")
    ap.add_argument("--reward-model", default=None, help="a reward model directory (`toolft train reward`), for --select reward-model")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--eval", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--out", default="runs/best_of_n")
    return ap


def main(argv=None):
    a = arg_parser().parse_args(argv)

    import torch
    torch.set_num_threads(a.threads)
    from transformers import AutoModelForCausalLM
    from toolft.world import synthesize, world_tools
    from toolft.validate import prepare
    from toolft.templates import ChatTemplate, load_tokenizer
    from toolft.evaluate import run_eval, HFGenerator, EvalConfig
    from toolft.bestofn import selector
    from toolft.demo import RECIPE

    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    for seed in [int(s) for s in a.seeds.split(",")]:
        d, reg = out / f"seed{seed}", world_tools()
        d.mkdir(parents=True, exist_ok=True)
        evals, _, _ = prepare(synthesize(a.eval, seed=seed + 1, split="eval", weights=RECIPE["case_weights"]), None, tools=reg, replay=True, skip_invalid=True)
        sft_dir = Path(a.sft_from) / f"seed{seed}" / "sft"
        tmpl, tok = ChatTemplate(sft_dir), load_tokenizer(sft_dir)
        model = AutoModelForCausalLM.from_pretrained(sft_dir).eval()
        def run(n, temperature, sel=None):
            t0 = time.time()
            res = run_eval(evals, HFGenerator(model, tok, 160, 64, seed, temperature=temperature), tmpl, reg,
                           EvalConfig(max_steps=4, max_new_tokens=160, batch_size=64, seed=seed, best_of=n), select=sel, progress=False)
            outs = [o for t in res.trajectories for s in t.steps for o in (s["samples"]["outputs"] if "samples" in s else [s["output"]])]
            tokens = sum(len(tok(o, add_special_tokens=False)["input_ids"]) for o in outs)
            return metrics_of(res) | {"tokens_per_turn": round(tokens / len(res.trajectories), 1), "seconds": round(time.time() - t0, 1)}
        row = {"greedy": run(1, 0.0)}
        print(seed, "greedy", row["greedy"], flush=True)
        for name in a.select.split(","):
            sel = selector(name, tools=reg, reward_model=a.reward_model)
            for n in [int(x) for x in a.ns.split(",")]:
                key = f"{name}@{n}" if n > 1 else "sampled@1"
                if key in row: continue
                row[key] = run(n, a.temperature, sel if n > 1 else None)
                print(seed, key, row[key], flush=True)
        row["args"] = vars(a)
        (d / "metrics.json").write_text(json.dumps(row, indent=1) + "\n")
    return summarize(out)


def summarize(out: Path) -> dict:
    "Mean over every OUT/seed*/metrics.json, written to summary.json and best_of_n.html"
    runs = list(seed_metrics(out).values())
    keys = [k for k in runs[0] if k != "args"]
    summary = {k: {m: round(statistics.mean(r[k][m] for r in runs if k in r), 4) for m in (*KEYS, "tokens_per_turn", "seconds")} for k in keys}
    (Path(out) / "summary.json").write_text(json.dumps({"seeds": len(runs), "summary": summary}, indent=1) + "\n")
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    shown = ("trajectory_success", "arguments", "macro_f1", "format_validity")
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=shown)
    selectors = sorted({k.split("@")[0] for k in keys if "@" in k and not k.startswith("sampled")})
    for i, m in enumerate(shown, 1):
        for s in selectors:
            pts = [(1, summary["sampled@1"][m])] + sorted((int(k.split("@")[1]), v[m]) for k, v in summary.items() if k.startswith(s + "@"))
            fig.add_scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], name=s, legendgroup=s, showlegend=i == 1, mode="lines+markers", row=1, col=i)
        fig.add_hline(y=summary["greedy"][m], line_dash="dot", row=1, col=i, annotation_text="greedy" if i == 1 else None)
        fig.update_xaxes(type="log", title_text="N samples per step", row=1, col=i)
    fig.update_layout(title=f"best-of-N on held-out trajectories ({len(runs)} seed(s)); dotted: greedy", height=400)
    fig.write_html(Path(out) / "best_of_n.html", include_plotlyjs=True)
    print(json.dumps(summary, indent=1))
    return summary


def export(out: Path, path: Path) -> dict:
    "Every seed's rows (greedy, sampled@1, SELECTOR@N) and the command that made them, in one JSON file"
    runs = seed_metrics(out)
    data = {"source": str(out), "seeds": {s: {k: v for k, v in r.items() if k != "args"} for s, r in runs.items()},
            "commands": {s: command_of("benchmarks/best_of_n.py", arg_parser(), r["args"], s) for s, r in runs.items()}, "sft_models": {s: f"{r['args']['sft_from']}/seed{s}/sft" for s, r in runs.items()},
            "reward_models": {s: r["args"].get("reward_model") for s, r in runs.items()}}
    Path(path).write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {path}: seeds {sorted(runs)}, rows {sorted(next(iter(data['seeds'].values())))}")
    return data


if __name__ == "__main__":
    if sys.argv[1:2] == ["--summarize"]: summarize(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["--export"]: export(Path(sys.argv[2]), Path(sys.argv[3]))
    else: main()
