// Threading for the blocked GEMM: a tiny persistent pool of Environment.ProcessorCount - 1 workers that
// the calling thread joins, handed a job by value and a function pointer, so a parallel multiply
// allocates nothing. Deliberately not the .NET ThreadPool/Parallel.For (per-call allocations, queueing
// latency) and not a general scheduler: one parallel GEMM at a time; a concurrent caller runs serially.
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace MoeFromScratch.Tensors.Cpu;

/// <summary>A multiply described by value; element pointers are untyped so one pool serves every T.</summary>
internal unsafe struct GemmJob
{
    public int M, N, K;
    public void* A, B, C;
    public long ARowStride, AColStride, BRowStride, BColStride, Ldc;
    public bool Accumulate;
}

internal static unsafe class GemmParallel
{
    /// <summary>Below this many multiply-adds per extra worker, waking it costs more than it saves.</summary>
    internal const long MinWorkPerPart = 1L << 20;

    private static readonly object Gate = new();
    private static readonly int WorkerCount = Math.Max(0, Environment.ProcessorCount - 1);
    private static SemaphoreSlim[]? s_start;
    private static SemaphoreSlim? s_done;
    private static GemmJob* s_job;
    private static delegate*<GemmJob*, int, int, void> s_body;
    private static int s_parts;
    private static ExceptionDispatchInfo? s_failure;

    /// <summary>How many parts to split a multiply into: by work, by cores, and so that each part gets whole tiles.</summary>
    public static int PartsFor(int m, int n, int k, int mr, int nr)
    {
        long work = (long)m * n * k;
        int byWork = (int)Math.Min(WorkerCount + 1, work / MinWorkPerPart);
        int tiles = n >= m ? (n + nr - 1) / nr : (m + mr - 1) / mr;
        return Math.Max(1, Math.Min(byWork, tiles));
    }

    public static void Run(delegate*<GemmJob*, int, int, void> body, in GemmJob job, int parts)
    {
        GemmJob local = job;
        parts = Math.Min(parts, WorkerCount + 1);
        if (parts <= 1 || !Monitor.TryEnter(Gate))
        {
            // Another multiply owns the workers: do every part here rather than queue behind it.
            for (int part = 0; part < Math.Max(1, parts); part++)
            {
                body(&local, part, Math.Max(1, parts));
            }
            return;
        }
        try
        {
            EnsureStarted();
            *s_job = local;
            s_body = body;
            s_parts = parts;
            s_failure = null;
            for (int w = 0; w < parts - 1; w++)
            {
                s_start![w].Release();
            }
            body(s_job, 0, parts);
            for (int w = 0; w < parts - 1; w++)
            {
                s_done!.Wait();
            }
            s_failure?.Throw();
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void EnsureStarted()
    {
        if (s_start != null)
        {
            return;
        }
        s_job = (GemmJob*)NativeMemory.AllocZeroed((nuint)sizeof(GemmJob));
        s_done = new SemaphoreSlim(0);
        var start = new SemaphoreSlim[WorkerCount];
        for (int w = 0; w < WorkerCount; w++)
        {
            start[w] = new SemaphoreSlim(0);
        }
        // Published before any worker runs: workers read it on their first wait.
        s_start = start;
        for (int w = 0; w < WorkerCount; w++)
        {
            int index = w;
            var thread = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"gemm-worker-{w + 1}" };
            thread.Start();
        }
    }

    private static void WorkerLoop(int index)
    {
        while (true)
        {
            s_start![index].Wait();
            try
            {
                s_body(s_job, index + 1, s_parts);
            }
            catch (Exception e)
            {
                s_failure = ExceptionDispatchInfo.Capture(e);
            }
            s_done!.Release();
        }
    }
}
