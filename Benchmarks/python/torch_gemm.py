#!/usr/bin/env python3
"""PyTorch peer for the quick GEMM benchmark (`moe bench gemm`, Train/Bench/GemmBench.cs).

Times torch.matmul on square matrices with the same protocol (at least 0.5 s of warm-up, then the median
and the fastest of several repetitions) and prints the same JSON lines, with "device":"torch-cpu" and the
thread settings, or "device":"torch-cuda" and the GPU. Thread counts come from the environment
(OPENBLAS_NUM_THREADS etc.) and --torch-threads; run it once per setting to compare. On CUDA (cuBLAS),
float32 is true FP32 (TF32 off, as PyTorch defaults for matmul since 1.12) unless --tf32 is given, and
float16 is the tensor-core peer of a cooperative-matrix kernel; each repetition ends with a synchronize.

  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 Benchmarks/python/torch_gemm.py --torch-threads 1 --sizes 256,512,1024,2048
  python3 Benchmarks/python/torch_gemm.py --device cuda --sizes 1024,2048,4096 [--dtype float16]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch


def blas_libraries():
    """Which BLAS shared objects the process actually mapped (torch's config only says 'generic')."""
    libs = set()
    with open(f"/proc/{os.getpid()}/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in path or "mkl" in path:
                libs.add(os.path.basename(path))
    return sorted(libs)


def time_ms(n, reps, device, dtype):
    a = (torch.rand(n, n, device=device) * 2 - 1).to(dtype)
    b = (torch.rand(n, n, device=device) * 2 - 1).to(dtype)
    c = torch.empty(n, n, device=device, dtype=dtype)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    flops = 2.0 * n ** 3
    if reps == 0:
        reps = int(min(200, max(5, 1e11 / flops)))
    warm_start = time.perf_counter()
    w = 0
    while w < max(2, reps // 5) or time.perf_counter() - warm_start < 0.5:
        torch.matmul(a, b, out=c)
        sync()
        w += 1
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        torch.matmul(a, b, out=c)
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    # Median is the headline; the fastest repetition is reported too (interference only adds time).
    return statistics.median(times), min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256,512,1024,2048")
    parser.add_argument("--torch-threads", type=int, default=None, help="torch.set_num_threads (default: leave torch's choice)")
    parser.add_argument("--reps", type=int, default=0)
    parser.add_argument("--show-config", action="store_true", help="print torch.__config__.show() to stderr")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--dtype", choices=["float32", "float16", "bfloat16"], default="float32")
    parser.add_argument("--tf32", action="store_true", help="CUDA float32 through TF32 tensor cores (not FP32)")
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    if args.device == "cuda":
        if not torch.cuda.is_available():
            sys.exit("torch_gemm: --device cuda, but torch sees no CUDA device")
        torch.backends.cuda.matmul.allow_tf32 = args.tf32

    if args.torch_threads is not None:
        torch.set_num_threads(args.torch_threads)
    torch.matmul(torch.ones(8, 8), torch.ones(8, 8))  # loads BLAS so it can be reported
    settings = {
        "torch_threads": torch.get_num_threads(),
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "torch": torch.__version__,
        "blas": blas_libraries(),
        "dtype": args.dtype,
    }
    if args.device == "cuda":
        settings.update(gpu=torch.cuda.get_device_name(0), cuda=torch.version.cuda, tf32=args.tf32)
    if args.show_config:
        print(torch.__config__.show(), file=sys.stderr)

    for n in (int(s) for s in args.sizes.split(",")):
        ms, best_ms = time_ms(n, args.reps, args.device, dtype)
        row = {"device": f"torch-{args.device}", "m": n, "n": n, "k": n, "gflops": round(2.0 * n ** 3 / (ms * 1e6), 1), "ms": round(ms, 3),
               "best_gflops": round(2.0 * n ** 3 / (best_ms * 1e6), 1)}
        row.update(settings)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
