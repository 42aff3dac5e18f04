// GemmBench: GFLOPS of one square matrix multiply, C = A B (n x n), in float32, bfloat16 (A, B and C
// stored as bf16, accumulated in float32) or float64, on a backend: the CPU's packed GEMM or the Vulkan matmul shader, through the same IBackend.MatMul call training
// makes. Each repetition ends with Synchronize, so on a GPU the time is the work's, not the
// recording's. Protocol (shared with Benchmarks/python/torch_gemm.py, the PyTorch peer): warm up
// for at least 0.5 s (the JIT settles, the GPU clocks up), then time reps repetitions (default: ~100
// GFLOP of work, 5..200) and report the median and the fastest. A caller may watch the multiplies go
// (a big size on a slow device takes minutes): progressOf(total) gets the count of the warm-up's
// fixed part plus the timed repetitions.
// It is not a correctness check (the kernel parity tests and `moe gradcheck` are).
using System.Diagnostics;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Bench;

/// <param name="N">Rows, columns and the shared dimension.</param>
/// <param name="MedianMs">Median time of one multiply.</param>
/// <param name="BestMs">Fastest one (on a shared machine, interference only adds time).</param>
public sealed record GemmBenchResult(int N, int Reps, double MedianMs, double BestMs)
{
    public double Gflops => 2.0 * N * N * N / (MedianMs * 1e6);
    public double BestGflops => 2.0 * N * N * N / (BestMs * 1e6);
}

public static class GemmBench
{
    public static GemmBenchResult Run(IBackend backend, int n, DType dtype, int reps = 0, Func<long, Training.Reporting.PhaseProgress>? progressOf = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);   // `moe bench gemm` checks --sizes itself
        if (reps == 0) reps = (int)Math.Clamp(1e11 / (2.0 * n * n * n), 5, 200);
        using var a = Operand(n, 1, dtype, backend);
        using var b = Operand(n, 2, dtype, backend);
        using var c = Tensor.Empty([1, n, n], dtype, backend);
        int warmups = Math.Max(2, reps / 5);
        var progress = progressOf?.Invoke(warmups + reps);
        long done = 0;
        void Multiply()
        {
            backend.MatMul(a, b, c);
            backend.Synchronize();
            progress?.Done(++done, $"{progress.Elapsed.TotalMilliseconds / done:F0} ms a multiply");
        }

        long warmStart = Stopwatch.GetTimestamp();
        for (int w = 0; w < warmups || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 0.5; w++) Multiply();
        var times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Multiply();
            times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return new GemmBenchResult(n, reps, times[reps / 2], times[0]);
    }

    // (1, n, n) uniform in [-1, 1), drawn in float32 and cast to dtype.
    private static Tensor Operand(int n, ulong seed, DType dtype, IBackend backend)
    {
        var drawn = Tensor.Rand([1, n, n], seed, -1, 1, backend: backend);
        if (dtype == DType.Float32) return drawn;
        using (drawn) return drawn.Cast(dtype);
    }
}
