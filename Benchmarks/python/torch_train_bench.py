#!/usr/bin/env python3
"""PyTorch eager peer of `moe bench train` (Train/Bench/TrainBench.cs): tokens/s of full training steps.

Same model (Model/python/deepseek_moe_reference.py, run in float32), same config (a config.json, e.g. from
`moe bench train --config small --save-config small.json`), same protocol: random tokens, B x T per step,
2 warm-up steps, then the median of --steps steps of {forward, zero grad, backward, clip 1.0, AdamW step}
with our hyperparameters (lr 1e-3, betas (0.9, 0.95), eps 1e-8, weight decay 0.1 on matrices only).
Loss = LM cross-entropy + sum of the per-layer balance losses, as in our trainer.

The MoE layer is the reference's, which is the official HuggingFace DeepseekMoE training path: each token
repeated K times, then a Python loop over the routed experts, each run on the tokens that chose it
(`y[flat_idx == i] = expert(xs[flat_idx == i])`) -- what eager PyTorch users of that model run.
Not here: torch.compile (PyTorch 1.13 has none), fused/foreach AdamW (torch's CPU default is used).

Prints one JSON line with the same keys as ours ("tokens_per_s", "median_step_ms", "phase_ms", ...) plus
the thread settings. Thread counts come from the environment (OPENBLAS_NUM_THREADS) and --torch-threads:

  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 Benchmarks/python/torch_train_bench.py --config small.json --torch-threads 1

With --device cuda the same model and steps run on the GPU (weights initialised on the CPU, then moved),
each phase ending with torch.cuda.synchronize() as ours ends each with the device's Synchronize.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Model", "python"))
from deepseek_moe_reference import DeepseekConfig, DeepseekForCausalLM  # noqa: E402


def blas_libraries():
    """Which BLAS shared objects the process mapped (torch's config only says 'generic')."""
    with open(f"/proc/{os.getpid()}/maps") as maps:
        return sorted({os.path.basename(l.split()[-1]) for l in maps if "blas" in l or "mkl" in l})


def load_config(path):
    with open(path) as f:
        d = json.load(f)
    if d.get("moe_kind", "deepseek") != "deepseek":
        sys.exit(f"{path}: moe_kind {d['moe_kind']!r}: the reference implements only deepseek")
    return d, DeepseekConfig.from_dict(d)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="config.json (moe bench train --save-config PATH writes one)")
    parser.add_argument("--name", default=None, help="config name for the JSON line (default: the file name)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--torch-threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_train_bench: --device cuda, but torch sees no CUDA device")
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)

    if args.torch_threads is not None:
        torch.set_num_threads(args.torch_threads)
    torch.set_default_dtype(torch.float32)
    raw, cfg = load_config(args.config)
    if args.seq > cfg.max_position_embeddings:
        sys.exit(f"--seq {args.seq}: longer than the config's max_position_embeddings {cfg.max_position_embeddings}")
    generator = torch.Generator().manual_seed(args.seed)
    model = DeepseekForCausalLM(cfg)
    model.init_weights(generator)
    model.to(args.device)
    model.train()
    params = list(model.parameters())
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
        lr=1e-3, betas=(0.9, 0.95), eps=1e-8)

    B, T, V = args.batch, args.seq, cfg.vocab_size
    phases = {"data": [], "forward": [], "backward": [], "optimizer": []}
    totals = []
    for step in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        rows = torch.randint(0, V, (B, T + 1), generator=generator)   # (B, T+1) random window rows
        tokens, targets = rows[:, :-1].contiguous().to(args.device), rows[:, 1:].contiguous().to(args.device)
        sync()
        t1 = time.perf_counter()
        out = model(tokens, targets)
        loss = out["lm_loss"] + out["aux"]
        loss_value = loss.item()                                     # ours reads the loss back too (NaN check)
        t2 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        sync()
        t3 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        sync()
        t4 = time.perf_counter()
        if step >= args.warmup:
            for name, dt in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                phases[name].append(dt * 1e3)
            totals.append((t4 - t0) * 1e3)
        if not (loss_value == loss_value):
            sys.exit(f"step {step}: loss is NaN")

    median_ms = statistics.median(totals)
    n_params = sum(p.numel() for p in params)
    print(json.dumps({
        "bench": "train", "config": args.name or os.path.splitext(os.path.basename(args.config))[0],
        "device": f"torch-{args.device}", "gpu": torch.cuda.get_device_name(0) if args.device == "cuda" else None, "parameters": n_params, "batch": B, "seq": T, "steps": args.steps, "warmup": args.warmup,
        "tokens_per_s": round(B * T / (median_ms / 1e3), 1), "median_step_ms": round(median_ms, 3),
        "best_step_ms": round(min(totals), 3),
        "phase_ms": {k: round(statistics.median(v), 3) for k, v in phases.items()},
        "step_ms": [round(t, 3) for t in totals],
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "moe_impl": "HF per-expert loop over selected tokens (deepseek_moe_reference.MoE)",
        "torch_threads": torch.get_num_threads(), "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "torch": torch.__version__, "blas": blas_libraries(), "loadavg": os.getloadavg()[0],
    }), flush=True)


if __name__ == "__main__":
    main()
