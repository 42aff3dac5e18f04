#!/usr/bin/env python3
"""Side-by-side training throughput: `moe bench train` against the PyTorch eager peer, alternated.

The numbers in docs/performance.md's training tables come from this script. For each round and each
config it runs, back to back: ours, then torch with 1 torch thread / 2 OpenBLAS threads, then torch with
2 torch threads / 1 OpenBLAS thread (DEVELOPERS.md: try both, compare against the better one). Alternating
keeps a slow minute of a shared machine from landing on one side only. Prints one markdown row per
(config, round) with the load average, then a summary: the median over rounds of ours and of torch's
better setting per round, and of the per-round ratio ours / best torch.

    dotnet build -c Release
    /usr/bin/python3 Benchmarks/python/compare_train.py --configs tiny,small --rounds 5

Needs Debian's python3-torch, python3-numpy and libopenblas0-pthread (without it torch uses a slow
reference BLAS). Writes the configs it compares to a temporary folder (`moe bench train --save-config`).
It deliberately is not a benchmark itself: each side's own script does the timing.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MOE = os.path.join(ROOT, "Train", "bin", "Release", "net10.0", "moe.dll")
TORCH_BENCH = os.path.join(ROOT, "Benchmarks", "python", "torch_train_bench.py")
TORCH_SETTINGS = [(1, 2), (2, 1)]  # (torch threads, OpenBLAS threads)


def last_json_line(command, env=None):
    """Runs a benchmark and returns the JSON object on its last output line; exits on failure."""
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if done.returncode != 0 or not lines:
        sys.exit(f"compare_train: {' '.join(command)} failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return json.loads(lines[-1])


def ours(config, args):
    return last_json_line(["dotnet", MOE, "bench", "train", "--config", config, "--device", "cpu",
                           "--steps", str(args.steps), "--warmup", str(args.warmup), "--json"])


def torch(config_path, name, torch_threads, blas_threads, args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas_threads))
    return last_json_line([sys.executable, TORCH_BENCH, "--config", config_path, "--name", name,
                           "--torch-threads", str(torch_threads), "--steps", str(args.steps),
                           "--warmup", str(args.warmup)], env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="tiny,small", help="comma-separated preset names (default tiny,small)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per run; the median is reported")
    parser.add_argument("--warmup", type=int, default=30, help="untimed steps first (the JIT settles in ~30)")
    args = parser.parse_args()
    if not os.path.exists(MOE):
        sys.exit(f"compare_train: {MOE} not found; run `dotnet build -c Release` first")

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    results = {c: [] for c in configs}
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for config in configs:
            paths[config] = os.path.join(folder, f"{config}.json")
            subprocess.run(["dotnet", MOE, "bench", "train", "--config", config, "--save-config", paths[config]],
                           check=True, capture_output=True)
        header = "| config | round | load | ours | " + " | ".join(f"torch {t}/{b}" for t, b in TORCH_SETTINGS) + " | ours ÷ best torch |"
        print(header)
        print("|" + "---|" * (header.count("|") - 1))
        for round_index in range(1, args.rounds + 1):
            for config in configs:
                load = os.getloadavg()[0]
                mine = ours(config, args)["tokens_per_s"]
                peers = [torch(paths[config], config, t, b, args)["tokens_per_s"] for t, b in TORCH_SETTINGS]
                best = max(peers)
                results[config].append((mine, best))
                print(f"| {config} | {round_index} | {load:.1f} | {mine:,.0f} | "
                      + " | ".join(f"{p:,.0f}" for p in peers) + f" | {mine / best:.2f} |", flush=True)

    print()
    for config in configs:
        mine = statistics.median(m for m, _ in results[config])
        best = statistics.median(b for _, b in results[config])
        ratios = sorted(m / b for m, b in results[config])
        print(f"{config}: median ours {mine:,.0f} tokens/s, median best torch {best:,.0f} tokens/s, "
              f"ratio median {statistics.median(ratios):.2f} (range {ratios[0]:.2f}-{ratios[-1]:.2f}, {len(ratios)} rounds)")


if __name__ == "__main__":
    main()
