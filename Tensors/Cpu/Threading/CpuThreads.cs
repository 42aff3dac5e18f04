// CpuThreads: how many threads the CPU kernels use (the caller plus WorkerPool's workers). By
// default every core this process may run on; Limit lowers it, so P processes on one machine (the
// ranks of an MPI job) can share its cores instead of each starting a worker per core. It must be
// set before the first CPU kernel runs: the pool's workers are started once.
namespace MoeFromScratch.Tensors.Cpu;

public static class CpuThreads
{
    private static int? s_limit;
    private static bool s_started;

    /// <summary>The threads a CPU kernel will use.</summary>
    public static int Count => Math.Max(1, s_limit ?? Environment.ProcessorCount);

    /// <summary>At most this many threads (≥ 1) for CPU kernels; only before the first kernel runs.</summary>
    public static void Limit(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        if (s_started) throw new InvalidOperationException("CpuThreads.Limit: the CPU worker threads have already started");
        s_limit = Math.Min(threads, Environment.ProcessorCount);
    }

    /// <summary>WorkerPool's start: fixes the count for the life of the process.</summary>
    internal static int Start()
    {
        s_started = true;
        return Count;
    }
}
