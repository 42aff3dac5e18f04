// CpuBackend: the fast CPU implementation of IBackend (TensorPrimitives, packed GEMM, threads).
// This file holds memory and identity; each kernel family lives in Kernels/CpuBackend.*.cs,
// built on the strided iteration in Strided/ (StridedLayout). Memory comes from a caching
// allocator (Memory/CpuAllocator): the shared one, unless a test passes its own.
// Every kernel here is tested against ReferenceBackend, the obviously-correct loops.
using MoeFromScratch.Tensors.Cpu.Memory;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend : IBackend
{
    public CpuBackend(CpuAllocator? allocator = null) => Allocator = allocator ?? CpuAllocator.Shared;

    public string Name => "cpu";

    /// <summary>Where this backend's storages come from (counters: Allocator.Stats).</summary>
    public CpuAllocator Allocator { get; }

    public bool Supports(DType dtype) => dtype is DType.Float32 or DType.Float64 or DType.Int32;

    public Storage Allocate(DType dtype, long length) => new CpuStorage(this, dtype, length, Allocator);

    public void Upload<T>(Storage destination, long offset, ReadOnlySpan<T> source) where T : unmanaged =>
        source.CopyTo(((CpuStorage)destination).Span<T>()[(int)offset..]);

    public void Download<T>(Storage source, long offset, Span<T> destination) where T : unmanaged =>
        ((CpuStorage)source).Span<T>().Slice((int)offset, destination.Length).CopyTo(destination);

    public void Synchronize() { }

    public void Dispose() { }
}
