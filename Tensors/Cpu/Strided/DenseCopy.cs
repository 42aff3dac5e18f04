// DenseCopy: a tensor's elements as one contiguous block — the tensor itself when it is already
// contiguous, else a pooled row-major copy. Fused kernels (RMSNorm, RoPE, cross-entropy) read
// their inputs through it, so their inner loops only ever see dense rows; a strided input (rare on
// these paths) costs one extra copy instead of a second code path in every kernel.
// It deliberately is not: used by the elementwise kernels, which walk strides directly.
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

internal readonly unsafe struct DenseCopy<T> : IDisposable where T : unmanaged, INumberBase<T>
{
    private readonly PooledBuffer<T> _copy;

    public DenseCopy(string op, Tensor t)
    {
        T* data = CpuTensor.Data<T>(op, t);
        if (t.IsContiguous)
        {
            Pointer = data + t.Offset;
            return;
        }
        _copy = new PooledBuffer<T>(t.Numel);
        Pointer = _copy.Pointer;
        var layout = CpuTensor.Layout(t.Shape, Shape.ContiguousStrides(t.Shape), t.Strides);
        OperandValues bases = default;
        bases[1] = t.Offset;
        CpuParallel.ForEach(layout, bases, new ElementwiseKernels.CopyKernel<T, T>(Pointer, data));
    }

    /// <summary>Element 0 of the dense row-major elements; valid until Dispose.</summary>
    public T* Pointer { get; }

    public void Dispose() => _copy.Dispose();
}
