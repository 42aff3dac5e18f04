// CpuBackend: the fast CPU implementation of IBackend (TensorPrimitives, packed GEMM, threads).
// This file holds identity and allocation (Upload, Download and the rest: HostBackend); each
// IBackend section lives in Kernels/CpuBackend.<section>.cs, built on the strided iteration in
// Strided/ (StridedLayout). Memory comes from a caching
// allocator (Memory/CpuAllocator): the shared one, unless a test passes its own.
// Every kernel here is tested against ReferenceBackend, the obviously-correct loops.
// Each kernel picks its generic body for the tensor's dtype through CpuTensor.ByDType, the one
// dtype dispatch (Fill and RmsNormForward convert a scalar per dtype, so they switch themselves).
// The kernel files open alike on purpose (usings, the partial class, the ByDType line, the generic
// body and its op name): the shape of every kernel here.
using MoeFromScratch.Tensors.Cpu.Memory;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend : HostBackend, IBackend
{
    public CpuBackend(CpuAllocator? allocator = null) => Allocator = allocator ?? CpuAllocator.Shared;

    public string Name => "cpu";

    /// <summary>Where this backend's storages come from (counters: Allocator.Stats).</summary>
    public CpuAllocator Allocator { get; }

    public Storage Allocate(DType dtype, long length) => new CpuStorage(this, dtype, length, Allocator);
}
