// WorkerPool: the one set of threads every CPU kernel runs on — the GEMM, the grouped expert GEMMs
// and the row/element kernels alike. Environment.ProcessorCount - 1 persistent workers that the
// calling thread joins; a job is a function pointer plus a pointer to the caller's own (stack)
// description, so handing work out allocates nothing.
//
// Why one pool: with a pool for the GEMM and the .NET ThreadPool for everything else, a 2-core
// machine had three runnable threads (the caller, the GEMM worker spinning for its next job, a
// ThreadPool thread) fighting for two cores, and each small element-wise op paid the ThreadPool's
// queueing and wake-up (tens of microseconds in a VM) for a few microseconds of work.
//
// Parts are claimed from an atomic counter rather than assigned, so on a busy machine a late
// (descheduled) worker's share is picked up by whoever is free instead of being waited for.
// The counter shares one 64-bit word with the job's generation, and a claim is a compare-exchange
// of the whole word, so a claim can only ever take a part of the job its claimer looked at; a new
// job first closes the word (a generation with no part to claim), then writes its fields, then
// opens the next generation, so a straggler from the last job takes nothing. (With a
// plain counter beside a separate parts count, a worker descheduled between its increment and its
// bounds check could run a part of the next job before that job opened; the part then ran twice and
// the extra completion let the caller return while a part was still running. Seen once in ~25,000
// back-to-back jobs on 2 cores: WorkerPoolTests.)
// One owner at a time (TryAcquire, not re-entrant): a kernel that finds the pool taken, including
// a part running on the pool that calls another kernel, runs serially on its own thread.
// It deliberately is not: a scheduler with queues, priorities or work stealing between jobs.
using System.Runtime.ExceptionServices;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class WorkerPool
{
    /// <summary>
    /// How long an idle worker spins for the next job before sleeping. Back-to-back jobs (the ops of
    /// a training step) then hand off in well under a microsecond instead of a futex wake-up (tens of
    /// microseconds in a VM), at the price of at most this much busy time after the last job. OpenBLAS
    /// does the same.
    /// </summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000;

    /// <summary>The threads a job can use: the workers and the caller.</summary>
    public static int Threads => WorkerCount + 1;

    private static readonly int WorkerCount = Math.Max(0, CpuThreads.Start() - 1);   // Environment.ProcessorCount unless CpuThreads.Limit
    private static int s_owned;
    private static SemaphoreSlim[]? s_wake;
    private static int[]? s_sleeping;
    // The job word: the job's generation in the high 32 bits, the next part to claim in the low 32.
    private static long s_job;
    private static int s_partsDone;
    private static void* s_context;
    private static delegate*<void*, int, int, void> s_body;
    private static int s_parts;
    private static ExceptionDispatchInfo? s_failure;

    /// <summary>Tests set this (on the calling thread) so a kernel waits for the pool instead of running serially.</summary>
    [ThreadStatic] internal static bool t_waitForPool;

    /// <summary>Takes the pool for this thread; false when there are no workers or someone (this thread included) holds it.</summary>
    public static bool TryAcquire()
    {
        if (WorkerCount == 0) return false;
        if (Interlocked.CompareExchange(ref s_owned, 1, 0) == 0) return true;
        if (!t_waitForPool) return false;
        var spin = default(SpinWait);
        while (Interlocked.CompareExchange(ref s_owned, 1, 0) != 0) spin.SpinOnce();
        return true;
    }

    public static void Release() => Volatile.Write(ref s_owned, 0);

    /// <summary>Takes the pool, runs one job on it and gives it back; false (nothing run) when parts is 1 or the pool is taken.</summary>
    public static bool TryRun(delegate*<void*, int, int, void> body, void* context, int parts)
    {
        if (parts <= 1 || !TryAcquire()) return false;
        try
        {
            Run(body, context, parts);
        }
        finally
        {
            Release();
        }
        return true;
    }

    /// <summary>
    /// Runs body(context, part, parts) for every part in [0, parts) on the pool, which the caller
    /// must hold (TryAcquire), and returns when all are done; the first exception is rethrown here.
    /// context stays the caller's: it must outlive the call, which a local of the caller does.
    /// </summary>
    public static void Run(delegate*<void*, int, int, void> body, void* context, int parts)
    {
        System.Diagnostics.Debug.Assert(Volatile.Read(ref s_owned) == 1, "WorkerPool.Run without TryAcquire");
        if (parts <= 1)
        {
            if (parts == 1) body(context, 0, 1);
            return;
        }
        EnsureStarted();
        // Close: a generation with nothing to claim, so a straggler of the last job, whose claim would
        // name the old generation, can no longer take a part while the fields are rewritten.
        uint closed = Generation(Volatile.Read(ref s_job)) + 1;
        Interlocked.Exchange(ref s_job, Word(closed, Closed));
        s_context = context;
        s_body = body;
        s_parts = parts;
        s_failure = null;
        Volatile.Write(ref s_partsDone, 0);
        // Open (a full fence publishes the fields): the next generation, part 0 first to claim; then
        // wake whoever has gone to sleep.
        uint generation = closed + 1;
        Interlocked.Exchange(ref s_job, Word(generation, 0));
        for (int w = 0; w < WorkerCount; w++)
        {
            if (Interlocked.CompareExchange(ref s_sleeping![w], 0, 1) == 1)
            {
                s_wake![w].Release();
            }
        }
        ClaimParts(generation);
        var spin = default(SpinWait);
        while (Volatile.Read(ref s_partsDone) < parts)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
        s_failure?.Throw();
    }

    private const int Closed = int.MaxValue;   // the next part of a closed generation: more than any job has

    private static long Word(uint generation, int nextPart) => (long)(((ulong)generation << 32) | (uint)nextPart);

    private static uint Generation(long word) => (uint)((ulong)word >> 32);

    // Claims and runs parts of job `generation` until none is left or a newer job replaced it.
    private static void ClaimParts(uint generation)
    {
        while (true)
        {
            long word = Volatile.Read(ref s_job);
            int part = (int)(uint)word;
            // s_parts is this generation's, or the job is closed and the compare-exchange below fails.
            if (Generation(word) != generation || part >= s_parts) return;
            if (Interlocked.CompareExchange(ref s_job, word + 1, word) != word) continue;
            // Claimed: the job cannot change until this part is counted done, so its fields are stable.
            try
            {
                s_body(s_context, part, s_parts);
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
        s_sleeping = new int[WorkerCount];
        var wake = new SemaphoreSlim[WorkerCount];
        for (int w = 0; w < WorkerCount; w++)
        {
            wake[w] = new SemaphoreSlim(0);
        }
        // Published before any worker runs: workers read it when they first go to sleep.
        s_wake = wake;
        uint generation = Generation(Volatile.Read(ref s_job));
        for (int w = 0; w < WorkerCount; w++)
        {
            int index = w;
            var thread = new Thread(() => WorkerLoop(index, generation)) { IsBackground = true, Name = $"cpu-worker-{w + 1}" };
            thread.Start();
        }
    }

    private static void WorkerLoop(int index, uint seen)
    {
        while (true)
        {
            WaitForJob(index, seen);
            seen = Generation(Volatile.Read(ref s_job));
            ClaimParts(seen);
        }
    }

    private static void WaitForJob(int index, uint seen)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Generation(Volatile.Read(ref s_job)) == seen)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                Thread.SpinWait(20);
                continue;
            }
            // Announce sleep, then look again: a caller that bumped the generation before seeing the
            // flag will not wake us, so we must notice its job ourselves (and take the flag back).
            Interlocked.Exchange(ref s_sleeping![index], 1);
            if (Generation(Volatile.Read(ref s_job)) != seen && Interlocked.CompareExchange(ref s_sleeping[index], 0, 1) == 1)
            {
                return;
            }
            // Either no job yet, or the caller already took the flag and is releasing us.
            s_wake![index].Wait();
            return;
        }
    }
}
