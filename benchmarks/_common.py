"""What the by-hand benchmarks share: their environment, the seeds' metrics files and the mean / min-max summary drawn as bars"""
import json, os, statistics
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


def seed_metrics(out) -> dict:
    "{seed: metrics} from every OUT/seed<k>/metrics.json (seeds may come from separate runs)"
    return {int(f.parent.name[4:]): json.loads(f.read_text()) for f in sorted(Path(out).glob("seed*/metrics.json"))}


def spread(runs: dict, stages, keys, digits: int = 4) -> dict:
    "{stage: {key: {mean, min, max, per_seed}}} over the seeds that have the value"
    return {stage: {k: {"mean": round(statistics.mean(v), digits), "min": min(v), "max": max(v), "per_seed": v}
                    for k in keys if (v := [r[stage][k] for r in runs.values() if r.get(stage, {}).get(k) is not None])}
            for stage in stages}


def spread_bars(fig, summary: dict, **where):
    "One bar group per stage: the mean, whiskers from min to max (`where`: row=, col= of a subplot)"
    for stage, s in summary.items():
        ks = list(s)
        fig.add_bar(name=stage, x=ks, y=[s[k]["mean"] for k in ks], **where,
                    error_y=dict(type="data", symmetric=False, array=[s[k]["max"] - s[k]["mean"] for k in ks], arrayminus=[s[k]["mean"] - s[k]["min"] for k in ks]))
    return fig


def command_of(script: str, parser, args: dict, seed) -> str:
    "The command line that ran one seed, from the args its metrics.json recorded: the flags that differ from `parser`'s defaults"
    flags = [f"{act.option_strings[-1]} {args[act.dest]}" for act in parser._actions
             if act.dest not in ("help", "seeds", "out") and act.dest in args and args[act.dest] != act.default]
    return " ".join([script, *flags, f"--seeds {seed}", f"-o {args.get('out')}"])
