// CpuParallel: splits a kernel's items (elements or rows) across cores, but only when there is
// enough work to pay for handing it out; small ops run inline on the calling thread.
//
// A body is a struct (pointers and sizes) with Run(start, end). It stays on the caller's stack and
// the shared worker pool (Threading/WorkerPool.cs) reaches it through a pointer, so neither path
// allocates. When the pool is busy (another thread's kernel, or this call is itself running inside
// a pool job) the whole range runs here.
// It deliberately is not: a scheduler or dynamic load balancing — kernels here do equal work per
// item, so equal contiguous chunks suffice and keep results deterministic for a given core count.
using System.Runtime.CompilerServices;

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

internal static unsafe class CpuParallel
{
    /// <summary>Below this much work (elements touched) a kernel stays on the calling thread.</summary>
    public const long MinParallelWork = 32 * 1024;

    /// <summary>How many chunks count items of workPerItem each deserve: 1 when small, else one per core.</summary>
    public static int Chunks(long count, long workPerItem)
    {
        int chunks = (int)Math.Min(WorkerPool.Threads, count);
        return chunks <= 1 || count * Math.Max(workPerItem, 1) < MinParallelWork ? 1 : chunks;
    }

    /// <summary>Runs body over [0, count); in parallel when count · workPerItem is large enough.</summary>
    public static void For<TBody>(long count, long workPerItem, TBody body) where TBody : struct, IRangeBody
    {
        var job = new Job<TBody>(body, count);
        if (!WorkerPool.TryRun(&RunRange<TBody>, Unsafe.AsPointer(ref job), Chunks(count, workPerItem)))
            body.Run(0, count);
    }

    /// <summary>Runs body over [0, count) split into exactly `chunks` equal ranges, each told its chunk index.</summary>
    public static void ForChunks<TBody>(long count, int chunks, TBody body) where TBody : struct, IChunkBody
    {
        var job = new Job<TBody>(body, count);
        if (WorkerPool.TryRun(&RunChunk<TBody>, Unsafe.AsPointer(ref job), chunks)) return;
        for (int c = 0; c < chunks; c++) RunChunk<TBody>(Unsafe.AsPointer(ref job), c, chunks);
    }

    /// <summary>What a pool part needs: the body (copied per part, as bodies may keep per-run state) and the item count.</summary>
    private struct Job<TBody>(TBody body, long count)
    {
        public TBody Body = body;
        public readonly long Count = count;
    }

    private static void RunRange<TBody>(void* context, int part, int parts) where TBody : struct, IRangeBody
    {
        ref var job = ref Unsafe.AsRef<Job<TBody>>(context);
        var local = job.Body;
        local.Run(job.Count * part / parts, job.Count * (part + 1) / parts);
    }

    private static void RunChunk<TBody>(void* context, int part, int parts) where TBody : struct, IChunkBody
    {
        ref var job = ref Unsafe.AsRef<Job<TBody>>(context);
        var local = job.Body;
        local.Run(part, job.Count * part / parts, job.Count * (part + 1) / parts);
    }

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
