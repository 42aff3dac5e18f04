// CpuBackend: the fast CPU implementation of IBackend (TensorPrimitives, packed GEMM, threads).
// This file holds memory and identity; each kernel family lives in Kernels/CpuBackend.*.cs,
// built on the strided iteration in Strided/ (StridedLayout).
// Every kernel here is tested against ReferenceBackend, the obviously-correct loops.
namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend : IBackend
{
    public string Name => "cpu";

    public bool Supports(DType dtype) => dtype is DType.Float32 or DType.Float64 or DType.Int32;

    public Storage Allocate(DType dtype, long length) => new CpuStorage(this, dtype, length);

    public void Upload<T>(Storage destination, long offset, ReadOnlySpan<T> source) where T : unmanaged =>
        source.CopyTo(((CpuStorage)destination).Span<T>()[(int)offset..]);

    public void Download<T>(Storage source, long offset, Span<T> destination) where T : unmanaged =>
        ((CpuStorage)source).Span<T>().Slice((int)offset, destination.Length).CopyTo(destination);

    public void Synchronize() { }

    public void Dispose() { }
}
