// Threading for the blocked GEMM: a tiny persistent pool of Environment.ProcessorCount - 1 workers that
// the calling thread joins, handed a job by value and a function pointer, so a parallel multiply
// allocates nothing. Parts are claimed from an atomic counter rather than assigned, so on a busy machine
// a late (descheduled) worker's share is picked up by whoever is free instead of being waited for.
// Deliberately not the .NET ThreadPool/Parallel.For (per-call allocations, queueing latency) and not a
// general scheduler: one parallel GEMM owns the pool at a time (TryAcquire), and a caller that finds it
// taken runs serially. The owner may run several jobs back to back (pack, then multiply).
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

    /// <summary>The operand packed once for all parts (A when splitting columns, B when splitting rows).</summary>
    public void* Shared;

    /// <summary>Elements between consecutive KC-deep slices of <see cref="Shared"/>.</summary>
    public long SharedSliceStride;
}

internal static unsafe class GemmParallel
{
    /// <summary>Below this many multiply-adds per extra worker, waking it costs more than it saves.</summary>
    internal const long MinWorkPerPart = 1L << 20;

    /// <summary>
    /// How long an idle worker spins for the next job before sleeping. Back-to-back multiplies (a
    /// training step) then hand off in well under a microsecond instead of a futex wake-up (tens of
    /// microseconds in a VM), at the price of at most this much busy time per call. OpenBLAS does the same.
    /// </summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000;

    private static readonly object Gate = new();
    private static readonly int WorkerCount = Math.Max(0, Environment.ProcessorCount - 1);
    private static SemaphoreSlim[]? s_wake;
    private static int[]? s_sleeping;
    private static int s_generation;
    private static int s_nextPart;
    private static int s_partsDone;
    private static GemmJob* s_job;
    private static delegate*<GemmJob*, int, int, void> s_body;
    private static int s_parts;
    private static ExceptionDispatchInfo? s_failure;

    /// <summary>How many parts to split a multiply into: by work, by cores, and so that each part gets whole tiles.</summary>
    public static int PartsFor(int m, int n, int k, int mr, int nr)
    {
        long work = (long)m * n * k;
        // Large problems get two parts per thread, so an interrupted thread's share can be rebalanced;
        // each extra part re-packs A (O(m k)), which is noise next to m n k at these sizes.
        int perThread = work >= 1L << 27 ? 2 : 1;
        int byWork = (int)Math.Min((WorkerCount + 1) * perThread, work / MinWorkPerPart);
        int tiles = n >= m ? (n + nr - 1) / nr : (m + mr - 1) / mr;
        return Math.Max(1, Math.Min(byWork, tiles));
    }

    /// <summary>
    /// Bytes a parallel multiply may use for its shared packed operand; the K dimension is cut into
    /// chunks that fit. Tests lower it (on the calling thread) to exercise the chunking.
    /// </summary>
    [ThreadStatic] internal static long? t_sharedPackBytesOverride;

    internal const long DefaultSharedPackBytes = 16L << 20;

    public static long SharedPackBytes => t_sharedPackBytesOverride ?? DefaultSharedPackBytes;

    /// <summary>Tests set this (on the calling thread) so a multiply waits for the pool instead of running serially.</summary>
    [ThreadStatic] internal static bool t_waitForPool;

    /// <summary>Takes the pool for this thread's multiply; false when there are no workers or another multiply has them.</summary>
    public static bool TryAcquire() => WorkerCount > 0 && Monitor.TryEnter(Gate, t_waitForPool ? Timeout.Infinite : 0);

    public static void ReleasePool() => Monitor.Exit(Gate);

    /// <summary>Runs body(job, part, parts) for every part on the pool, which the caller must hold (TryAcquire).</summary>
    public static void Run(delegate*<GemmJob*, int, int, void> body, in GemmJob job, int parts)
    {
        System.Diagnostics.Debug.Assert(Monitor.IsEntered(Gate), "GemmParallel.Run without TryAcquire");
        GemmJob local = job;
        if (parts <= 1)
        {
            body(&local, 0, 1);
            return;
        }
        EnsureStarted();
        // Close claiming while the job is rewritten: a straggler from the last job then claims nothing.
        Volatile.Write(ref s_nextPart, int.MaxValue / 2);
        *s_job = local;
        s_body = body;
        s_parts = parts;
        s_failure = null;
        Volatile.Write(ref s_partsDone, 0);
        // Opens claiming and publishes the job (full fences), then wakes whoever has gone to sleep.
        Interlocked.Exchange(ref s_nextPart, 0);
        Interlocked.Increment(ref s_generation);
        for (int w = 0; w < WorkerCount; w++)
        {
            if (Interlocked.CompareExchange(ref s_sleeping![w], 0, 1) == 1)
            {
                s_wake![w].Release();
            }
        }
        ClaimParts();
        var spin = default(SpinWait);
        while (Volatile.Read(ref s_partsDone) < parts)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
        s_failure?.Throw();
    }

    private static void ClaimParts()
    {
        int part;
        while ((part = Interlocked.Increment(ref s_nextPart) - 1) < s_parts)
        {
            try
            {
                s_body(s_job, part, s_parts);
            }
            catch (Exception e)
            {
                s_failure = ExceptionDispatchInfo.Capture(e);
            }
            Interlocked.Increment(ref s_partsDone);
        }
    }

    private static void EnsureStarted()
    {
        if (s_wake != null)
        {
            return;
        }
        s_job = (GemmJob*)NativeMemory.AllocZeroed((nuint)sizeof(GemmJob));
        s_sleeping = new int[WorkerCount];
        var wake = new SemaphoreSlim[WorkerCount];
        for (int w = 0; w < WorkerCount; w++)
        {
            wake[w] = new SemaphoreSlim(0);
        }
        // Published before any worker runs: workers read it when they first go to sleep.
        s_wake = wake;
        int generation = Volatile.Read(ref s_generation);
        for (int w = 0; w < WorkerCount; w++)
        {
            int index = w;
            var thread = new Thread(() => WorkerLoop(index, generation)) { IsBackground = true, Name = $"gemm-worker-{w + 1}" };
            thread.Start();
        }
    }

    private static void WorkerLoop(int index, int seen)
    {
        while (true)
        {
            WaitForJob(index, seen);
            seen = Volatile.Read(ref s_generation);
            ClaimParts();
        }
    }

    private static void WaitForJob(int index, int seen)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Volatile.Read(ref s_generation) == seen)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                Thread.SpinWait(20);
                continue;
            }
            // Announce sleep, then look again: a caller that bumped the generation before seeing the
            // flag will not wake us, so we must notice its job ourselves (and take the flag back).
            Interlocked.Exchange(ref s_sleeping![index], 1);
            if (Volatile.Read(ref s_generation) != seen && Interlocked.CompareExchange(ref s_sleeping[index], 0, 1) == 1)
            {
                return;
            }
            // Either no job yet, or the caller already took the flag and is releasing us.
            s_wake![index].Wait();
            return;
        }
    }
}
