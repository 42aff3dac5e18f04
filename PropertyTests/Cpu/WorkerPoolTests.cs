// WorkerPoolTests: the one CPU thread pool every kernel shares (Tensors/Cpu/Threading/WorkerPool.cs)
// and CpuParallel on top of it. What can go wrong in a hand-rolled pool: a part run twice or never
// (a straggler from the last job claiming into the next), an exception lost or the pool left held
// after one, a kernel called from inside a pool part clobbering the running job (the pool is not
// re-entrant; such a call must run serially), chunk indices lost on the serial fallback, and two
// threads' kernels mixing. Each test fails on one of those.
// It deliberately is not: a timing test (tests never assert speed).
using MoeFromScratch.Tensors.Cpu;

namespace MoeFromScratch.PropertyTests.Cpu;

public unsafe class WorkerPoolTests
{
    private struct Counts
    {
        public int* Hits;
    }

    private static void CountPart(void* context, int part, int parts) => Interlocked.Increment(ref ((Counts*)context)->Hits[part]);

    [Fact]
    public void EveryPartRunsExactlyOnceAcrossManyBackToBackJobs() => RunRounds(2_000, round => 2 + round % 63);

    // A straggler of a small job (its last, failed claim) that is descheduled before its bounds check
    // and wakes up inside a larger next job: the window is nanoseconds wide, so it takes many rounds,
    // alternating 2 and 9 parts. The pool before the generation-tagged claim word failed here within
    // ~25,000 rounds on 2 cores (a part ran twice); 400,000 take about half a second.
    [Fact]
    public void A_straggler_of_a_small_job_never_runs_a_part_of_the_next_larger_one() => RunRounds(400_000, round => round % 2 == 0 ? 2 : 9);

    // Back-to-back jobs of partsOf(round) parts (at most 64), each part counting its runs: every one exactly once.
    private static void RunRounds(int rounds, Func<int, int> partsOf)
    {
        int* hits = stackalloc int[64];
        Assert.True(AcquireWaiting());
        try
        {
            for (int round = 0; round < rounds; round++)
            {
                int parts = partsOf(round);
                new Span<int>(hits, parts).Clear();
                var counts = new Counts { Hits = hits };
                WorkerPool.Run(&CountPart, &counts, parts);
                for (int p = 0; p < parts; p++)
                    if (hits[p] != 1) Assert.Fail($"round {round}: part {p} of {parts} ran {hits[p]} times");
            }
        }
        finally
        {
            WorkerPool.Release();
        }
    }

    private static void ThrowOnPartThree(void* context, int part, int parts)
    {
        if (part == 3) throw new InvalidOperationException("part 3 failed");
    }

    [Fact]
    public void AnExceptionInAPartReachesTheCallerAndThePoolStaysUsable()
    {
        Assert.True(AcquireWaiting());
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.Run(&ThrowOnPartThree, null, 8));
            Assert.Equal("part 3 failed", e.Message);
            int* hits = stackalloc int[5];
            var counts = new Counts { Hits = hits };
            WorkerPool.Run(&CountPart, &counts, 5);
            for (int p = 0; p < 5; p++) Assert.Equal(1, hits[p]);
        }
        finally
        {
            WorkerPool.Release();
        }
    }

    [Fact]
    public void ThePoolIsNotReentrant()
    {
        Assert.True(AcquireWaiting());
        try
        {
            Assert.False(WorkerPool.TryAcquire()); // the holder itself included: a nested job would clobber the running one
        }
        finally
        {
            WorkerPool.Release();
        }
    }

    /// <summary>A range body that sums its items' kernel results into per-item slots, running a whole tensor op per item.</summary>
    private readonly struct NestedKernelBody(double* results) : IRangeBody
    {
        public void Run(long start, long end)
        {
            for (long i = start; i < end; i++)
            {
                using var scope = new TensorScope();
                // Large enough that CpuParallel would split it — but the pool is busy with us.
                var x = Tensor.Arange(100_000, DType.Float64) * (double)(i + 1);
                results[i] = x.Sum().ToDoubleArray()[0];
            }
        }
    }

    [Fact]
    public void AKernelCalledFromInsideAPoolPartRunsSeriallyAndCorrectly()
    {
        const int items = 8;
        double* results = stackalloc double[items];
        CpuParallel.For(items, CpuParallel.MinParallelWork, new NestedKernelBody(results));
        double baseSum = 99_999.0 * 100_000 / 2;
        for (int i = 0; i < items; i++) Assert.Equal(baseSum * (i + 1), results[i]);
    }

    /// <summary>Writes its chunk index over its range, so a lost or wrong index shows.</summary>
    private readonly struct ChunkIndexBody(int* owner) : IChunkBody
    {
        public void Run(int chunk, long start, long end)
        {
            for (long i = start; i < end; i++) owner[i] = chunk;
        }
    }

    [Fact]
    public void ChunksKeepTheirIndicesWhetherThePoolIsFreeOrTaken()
    {
        const int count = 1_000, chunks = 7;
        int* free = stackalloc int[count];
        int* taken = stackalloc int[count];
        CpuParallel.ForChunks(count, chunks, new ChunkIndexBody(free));
        Assert.True(AcquireWaiting());
        try
        {
            CpuParallel.ForChunks(count, chunks, new ChunkIndexBody(taken)); // falls back to serial
        }
        finally
        {
            WorkerPool.Release();
        }
        for (int c = 0; c < chunks; c++)
        {
            for (long i = (long)count * c / chunks; i < (long)count * (c + 1) / chunks; i++) // chunk c's documented range
                Assert.True(free[i] == c && taken[i] == c, $"item {i}: chunk {free[i]} (pool free) / {taken[i]} (pool taken), expected {c}");
        }
    }

    [Fact]
    public void KernelsOnSeveralThreadsAtOnceGiveTheirOwnResults()
    {
        // Whoever gets the pool splits; the others run serially. None may see another's job.
        var sums = new double[6];
        Parallel.For(0, sums.Length, t =>
        {
            for (int round = 0; round < 20; round++)
            {
                using var scope = new TensorScope();
                var x = Tensor.Arange(200_000, DType.Float64) + (double)t;
                sums[t] = (x * 2.0).Sum().ToDoubleArray()[0];
            }
        });
        for (int t = 0; t < sums.Length; t++) Assert.Equal(2.0 * (199_999.0 * 200_000 / 2 + 200_000.0 * t), sums[t]);
    }

    /// <summary>Takes the pool, waiting while another test's kernel holds it.</summary>
    private static bool AcquireWaiting()
    {
        WorkerPool.t_waitForPool = true;
        try
        {
            return WorkerPool.TryAcquire() || Environment.ProcessorCount == 1;
        }
        finally
        {
            WorkerPool.t_waitForPool = false;
        }
    }
}
