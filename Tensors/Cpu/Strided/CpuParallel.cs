// CpuParallel: splits a kernel's items (elements or rows) across cores, but only when there is
// enough work to pay for waking threads; small ops run inline on the calling thread.
//
// A body is a struct (pointers and sizes) with Run(start, end): the serial path calls it directly,
// so small ops allocate nothing; only the parallel path builds a closure.
// It deliberately is not: a scheduler or a work-stealing pool (Parallel.For is that), nor dynamic
// load balancing — kernels here do equal work per item, so equal contiguous chunks suffice and
// keep results deterministic for a given core count.
namespace MoeFromScratch.Tensors.Cpu;

/// <summary>A kernel body over items [start, end) of its own numbering.</summary>
internal interface IRangeBody
{
    void Run(long start, long end);
}

/// <summary>A body that also needs to know which chunk it is (to write a per-chunk partial result).</summary>
internal interface IChunkBody
{
    void Run(int chunk, long start, long end);
}

internal static class CpuParallel
{
    /// <summary>Below this much work (elements touched) a kernel stays on the calling thread.</summary>
    public const long MinParallelWork = 32 * 1024;

    /// <summary>How many chunks count items of workPerItem each deserve: 1 when small, else one per core.</summary>
    public static int Chunks(long count, long workPerItem)
    {
        int chunks = (int)Math.Min(Environment.ProcessorCount, count);
        return chunks <= 1 || count * Math.Max(workPerItem, 1) < MinParallelWork ? 1 : chunks;
    }

    /// <summary>Runs body over [0, count); in parallel when count · workPerItem is large enough.</summary>
    public static void For<TBody>(long count, long workPerItem, TBody body) where TBody : struct, IRangeBody
    {
        int chunks = Chunks(count, workPerItem);
        if (chunks == 1) body.Run(0, count);
        else InParallel(count, chunks, body);
    }

    // Kept apart: a lambda's closure is allocated on entry to the method that declares it.
    private static void InParallel<TBody>(long count, int chunks, TBody body) where TBody : struct, IRangeBody =>
        Parallel.For(0, chunks, c =>
        {
            var local = body;
            local.Run(count * c / chunks, count * (c + 1) / chunks);
        });

    /// <summary>Runs body over [0, count) split into exactly `chunks` equal ranges (chunk 0 first).</summary>
    public static void ForChunks<TBody>(long count, int chunks, TBody body) where TBody : struct, IChunkBody
    {
        if (chunks == 1) body.Run(0, 0, count);
        else InParallelChunks(count, chunks, body);
    }

    private static void InParallelChunks<TBody>(long count, int chunks, TBody body) where TBody : struct, IChunkBody =>
        Parallel.For(0, chunks, c =>
        {
            var local = body;
            local.Run(c, count * c / chunks, count * (c + 1) / chunks);
        });

    /// <summary>Walks a layout's elements with a run kernel, split across cores when large.</summary>
    /// <param name="workPerElement">Elements a kernel touches per layout element (a row length for row kernels).</param>
    public static void ForEach<TKernel>(in StridedLayout layout, in OperandValues bases, TKernel kernel, long workPerElement = 1)
        where TKernel : struct, IRunKernel =>
        For(layout.Count, workPerElement, new LayoutBody<TKernel>(layout, bases, kernel));

    private readonly struct LayoutBody<TKernel>(StridedLayout layout, OperandValues bases, TKernel kernel) : IRangeBody
        where TKernel : struct, IRunKernel
    {
        private readonly StridedLayout _layout = layout;
        private readonly OperandValues _bases = bases;
        private readonly TKernel _kernel = kernel;

        public void Run(long start, long end)
        {
            var kernel = _kernel;
            _layout.ForEach(ref kernel, _bases, start, end);
        }
    }
}
