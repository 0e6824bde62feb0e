"""The plain PyTorch training loop the benchmarks compare TRL against (a harness, not part of the package)

AdamW, linear warmup, cosine decay (over steps, or over wall-clock time when given `seconds`), gradient clipping, fp32,
batches from `toolft.sft.LengthBatchSampler`, labels from toolft's masks. `on_probe` lets a benchmark draw a
time-to-quality curve from one run: the loop calls it every `probe_every` seconds of training and keeps what it
returns; the clock stops meanwhile, so the schedule and the reported training seconds leave the probes out.
Used by `tiny_learning.py`, `time_to_quality.py` and `sft_throughput.py`.
"""
from __future__ import annotations
import itertools, math, time
from typing import Callable
from toolft.sft import LengthBatchSampler


def collate(samples: list, pad_id: int) -> dict:
    "Right-padded `input_ids`, `labels` (-100 on padding) and `attention_mask` tensors"
    import torch
    n = max(len(s.input_ids) for s in samples)
    ids = torch.full((len(samples), n), pad_id, dtype=torch.long)
    lab = torch.full((len(samples), n), -100, dtype=torch.long)
    att = torch.zeros((len(samples), n), dtype=torch.long)
    for i, s in enumerate(samples):
        k = len(s.input_ids)
        ids[i, :k], lab[i, :k], att[i, :k] = torch.tensor(s.input_ids), torch.tensor(s.labels), 1
    return {"input_ids": ids, "labels": lab, "attention_mask": att}


def train_plain(model, samples: list,  # `Sample`s (input_ids + labels)
                pad_id: int,
                seconds: float | None = None,  # train for this long (cosine over wall time) ...
                steps: int | None = None,  # ... or this many steps
                batch_size: int = 32,
                lr: float = 2e-3,
                warmup: int = 50,  # linear warmup steps
                decay: float | None = None,  # None: cosine decay over the whole run; x: constant, then linear decay over the last fraction x
                clip: float = 1.0,
                seed: int = 0,
                log_every: int = 50,
                on_log: Callable | None = None,  # called with each log row
                probe_every: float | None = None,  # call `on_probe` every this many seconds of training ...
                on_probe: Callable | None = None,  # ... with (model, row); its time is not counted as training
                ) -> dict:
    "Train `model` in place with AdamW; {'steps', 'seconds', 'tokens', 'tokens_per_s', 'log', 'probes'}"
    import torch
    if not (seconds or steps): raise ValueError("give seconds or steps")
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0, betas=(0.9, 0.95))
    model.train()
    sampler = LengthBatchSampler([len(s.input_ids) for s in samples], batch_size, seed)
    it = (b for _ in itertools.count() for b in sampler.next_epoch())  # endless: epoch after epoch
    t0, step, tokens, log, probes = time.time(), 0, 0, [], []
    next_probe = probe_every if (probe_every and on_probe) else math.inf
    while True:
        if time.time() - t0 >= next_probe:  # a mid-run evaluation: the clock (and the schedule) stop meanwhile
            p0, row = time.time(), {"step": step, "seconds": round(time.time() - t0, 1), "tokens": tokens}
            probes.append(on_probe(model, row) or row)
            model.train(); next_probe += probe_every; t0 += time.time() - p0
        frac = (time.time() - t0) / seconds if seconds else step / steps
        if frac >= 1: break
        shape = 0.5 * (1 + math.cos(math.pi * frac)) if decay is None else min(1.0, (1 - frac) / decay)
        f = min(1.0, (step + 1) / warmup) * (shape if step >= warmup else 1.0)
        for g in opt.param_groups: g["lr"] = lr * max(f, 0.02)
        b = collate([samples[i] for i in next(it)], pad_id)
        loss = model(**b).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        step += 1; tokens += int(b["attention_mask"].sum())
        if step % log_every == 0 or step == 1:
            row = {"step": step, "seconds": round(time.time() - t0, 1), "loss": round(loss.item(), 4), "tokens": tokens, "lr": round(g["lr"], 6)}
            log.append(row)
            if on_log: on_log(row)
    model.eval()
    dt_ = time.time() - t0
    return {"steps": step, "seconds": round(dt_, 1), "tokens": tokens, "tokens_per_s": round(tokens / dt_), "log": log, "probes": probes}

