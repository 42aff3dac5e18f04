// VulkanStorage: a tensor's elements in a range of a pool block. Free() hands the range back to
// the pool at once: work already recorded that still reads it is safe because the command stream
// puts a barrier before any later write to the same bytes (see HazardTracker).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu.Runtime;

internal sealed class VulkanStorage : Storage
{
    private readonly MemoryPool _pool;

    public VulkanStorage(IBackend backend, MemoryPool pool, DType dtype, long length) : base(backend, dtype, length)
    {
        _pool = pool;
        Range = pool.Allocate(Math.Max(1, length) * dtype.SizeInBytes());
    }

    public MemoryPool.Range Range { get; }

    protected override void Free() => _pool.Free(Range);
}
