// BenchmarkDotNet suite for the CPU GEMM: square float32 C = A B, plain and with a transposed B,
// for statistically careful numbers. The quick Stopwatch mode (`moe bench gemm`, Train/Bench/GemmBench.cs) is the one
// compared against PyTorch; this suite is for tracking regressions with confidence intervals.
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using MoeFromScratch.Tensors.Cpu;

namespace MoeFromScratch.Benchmarks.Suites;

[MemoryDiagnoser]
public unsafe class GemmBenchmarks
{
    private float* _a, _b, _c;

    [Params(256, 1024)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        nuint bytes = (nuint)((long)N * N * sizeof(float));
        _a = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        _b = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        _c = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        var rng = new Random(42);
        for (long i = 0; i < (long)N * N; i++)
        {
            _a[i] = (float)rng.NextDouble();
            _b[i] = (float)rng.NextDouble();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
    }

    [Benchmark(Baseline = true)]
    public void MultiplyNN() => Gemm.Multiply(N, N, N, _a, N, 1, _b, N, 1, _c, N, accumulate: false);

    [Benchmark]
    public void MultiplyNT() => Gemm.Multiply(N, N, N, _a, N, 1, _b, 1, N, _c, N, accumulate: false);
}
