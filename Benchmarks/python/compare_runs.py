#!/usr/bin/env python3
"""Two training runs side by side, step by step, from their metrics.jsonl: how far apart the
training losses are (mean and largest |difference|, per quarter of the run) and each validation
loss with the relative gap. Used for `moe train --precision bf16` against fp32 (docs/performance.md).

usage: compare_runs.py RUN_A RUN_B   (run folders, or metrics.jsonl files)
"""
import json
import os
import sys


def read(path):
    if os.path.isdir(path):
        path = os.path.join(path, "metrics.jsonl")
    train, val = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("kind") == "train" and row.get("loss") is not None:
                train[row["step"]] = row["loss"]
            elif row.get("kind") == "eval":
                val[row["step"]] = row["val_loss"]
    return train, val


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    (train_a, val_a), (train_b, val_b) = read(sys.argv[1]), read(sys.argv[2])
    steps = sorted(set(train_a) & set(train_b))
    if not steps:
        sys.exit("compare_runs: the runs share no training step")
    print(f"A = {sys.argv[1]}\nB = {sys.argv[2]}\n{len(steps)} common steps")
    quarter = max(1, len(steps) // 4)
    print("steps        mean |A-B|  max |A-B|  mean (B-A)/A")
    for start in range(0, len(steps), quarter):
        chunk = steps[start:start + quarter]
        gaps = [train_b[s] - train_a[s] for s in chunk]
        rel = [g / train_a[s] for g, s in zip(gaps, chunk)]
        print(f"{chunk[0]:>5}-{chunk[-1]:<5}  {sum(abs(g) for g in gaps) / len(gaps):10.4f} {max(abs(g) for g in gaps):10.4f}  {100 * sum(rel) / len(rel):+10.2f}%")
    print("validation   A          B          (B-A)/A")
    for s in sorted(set(val_a) & set(val_b)):
        print(f"step {s:<6}  {val_a[s]:9.4f}  {val_b[s]:9.4f}  {100 * (val_b[s] - val_a[s]) / val_a[s]:+8.2f}%")


if __name__ == "__main__":
    main()
