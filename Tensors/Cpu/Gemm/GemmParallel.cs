// How the blocked GEMM splits over the CPU worker pool (Tensors/Cpu/Threading/WorkerPool.cs): how
// many parts a multiply deserves, and the job every part reads. A job is described by value with
// untyped element pointers, so one description serves every T; the pool runs it without allocating.
// Not the threads themselves (WorkerPool), not the split's loops (GemmDriverParallel.cs).
namespace MoeFromScratch.Tensors.Cpu;

/// <summary>A multiply described by value; element pointers are untyped so one pool serves every T.</summary>
internal unsafe struct GemmJob
{
    public int M, N, P;
    public void* A, B, C;
    public long ARowStride, AColStride, BRowStride, BColStride, Ldc;
    public bool Accumulate;

    /// <summary>The operand packed once for all parts (A when splitting columns, B when splitting rows).</summary>
    public void* Shared;

    /// <summary>Elements between consecutive PC-deep slices of <see cref="Shared"/>.</summary>
    public long SharedSliceStride;
}

internal static class GemmParallel
{
    /// <summary>Below this many multiply-adds per extra worker, waking it costs more than it saves.</summary>
    internal const long MinWorkPerPart = 1L << 20;

    /// <summary>How many parts to split a multiply into: by work, by cores, and so that each part gets whole tiles.</summary>
    public static int PartsFor(int m, int n, int P, int mr, int nr)
    {
        long work = (long)m * n * P;
        // Large problems get two parts per thread, so an interrupted thread's share can be rebalanced;
        // each extra part re-packs A (O(m P)), which is noise next to m n P at these sizes.
        int perThread = work >= 1L << 27 ? 2 : 1;
        int byWork = (int)Math.Min(WorkerPool.Threads * perThread, work / MinWorkPerPart);
        int tiles = n >= m ? (n + nr - 1) / nr : (m + mr - 1) / mr;
        return Math.Max(1, Math.Min(byWork, tiles));
    }

    /// <summary>
    /// Bytes a parallel multiply may use for its shared packed operand; the P dimension is cut into
    /// chunks that fit. Tests lower it (on the calling thread) to exercise the chunking.
    /// </summary>
    [ThreadStatic] internal static long? t_sharedPackBytesOverride;

    internal const long DefaultSharedPackBytes = 16L << 20;

    public static long SharedPackBytes => t_sharedPackBytesOverride ?? DefaultSharedPackBytes;
}
