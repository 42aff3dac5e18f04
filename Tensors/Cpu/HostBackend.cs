// HostBackend: what the two backends whose tensors live in host memory share — CpuBackend and
// ReferenceBackend both store elements in CpuStorage, so uploading and downloading are span copies,
// there is no queue to wait on and nothing to release. It is not a backend itself (no kernels):
// each subclass implements IBackend, and these public members serve that interface.
namespace MoeFromScratch.Tensors.Cpu;

public abstract class HostBackend
{
    public bool Supports(DType dtype) => dtype is DType.Float32 or DType.Float64 or DType.Int32 or DType.BFloat16;

    public void Upload<T>(Storage destination, long offset, ReadOnlySpan<T> source) where T : unmanaged =>
        source.CopyTo(((CpuStorage)destination).Span<T>()[(int)offset..]);

    public void Download<T>(Storage source, long offset, Span<T> destination) where T : unmanaged =>
        ((CpuStorage)source).Span<T>().Slice((int)offset, destination.Length).CopyTo(destination);

    /// <summary>Host kernels finish before they return: nothing is queued.</summary>
    public void Synchronize() { }

    public void Dispose() { }
}
