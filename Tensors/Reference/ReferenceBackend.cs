// ReferenceBackend: the readable specification of every IBackend kernel, as obviously-correct loops.
// Each kernel walks its output's multi-index (StridedIndex), finds each input element through that
// input's strides, computes in double, and writes the output rounded to its dtype. Fast CPU kernels
// and GLSL shaders are tested against these loops (PropertyTests/Kernels), and a shader mirrors the
// loop nest and names of its reference here.
// It is deliberately slow (one virtual read per element, no blocking, no threads) and has no
// special cases for contiguous data: the loops are the definition, not an implementation.
// Kernel families live in partial files, one per IBackend section (see its header); Upload,
// Download and the rest of host memory come from HostBackend, shared with CpuBackend.
using MoeFromScratch.Tensors.Cpu;

namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend : HostBackend, IBackend
{
    public string Name => "reference";

    // Host arrays, exactly like the CPU backend, so tensors move between the two by plain copies.
    public Storage Allocate(DType dtype, long length) => new CpuStorage(this, dtype, length);

    // ---- element access: every kernel reads and writes through these two ------------------------

    /// <summary>tensor[index] widened to double (exact for every dtype stored here).</summary>
    private static double Get(Tensor tensor, ReadOnlySpan<int> index)
    {
        var storage = (CpuStorage)tensor.Storage;
        int offset = checked((int)StridedIndex.OffsetOf(tensor, index));
        return tensor.DType switch
        {
            DType.Float32 => storage.Span<float>()[offset],
            DType.Float64 => storage.Span<double>()[offset],
            DType.Int32 => storage.Span<int>()[offset],
            DType.BFloat16 => (double)storage.Span<BFloat16>()[offset],
            _ => throw new NotSupportedException($"reference: {tensor.DType.Name()} is not supported"),
        };
    }

    /// <summary>
    /// tensor[index] = value rounded to the dtype: float32 and bfloat16 round to nearest even (bfloat16
    /// in one rounding from the double: these stores are the reference's rounding points); int32 truncates toward
    /// zero (saturating at the int32 range, NaN gives 0 — .NET's conversion rules).
    /// </summary>
    private static void Set(Tensor tensor, ReadOnlySpan<int> index, double value)
    {
        var storage = (CpuStorage)tensor.Storage;
        int offset = checked((int)StridedIndex.OffsetOf(tensor, index));
        switch (tensor.DType)
        {
            case DType.Float32: storage.Span<float>()[offset] = (float)value; break;
            case DType.Float64: storage.Span<double>()[offset] = value; break;
            case DType.Int32: storage.Span<int>()[offset] = (int)value; break;
            case DType.BFloat16: storage.Span<BFloat16>()[offset] = BFloat16.FromDouble(value); break;
            default: throw new NotSupportedException($"reference: {tensor.DType.Name()} is not supported");
        }
    }

    /// <summary>An index tensor's element, checked against the axis it indexes.</summary>
    private static int GetIndex(string op, Tensor index, ReadOnlySpan<int> at, int axis, int size) =>
        IndexRange.Check(op, (int)Get(index, at), axis, size);

    /// <summary>The multi-indices of every row of x over its last axis: x's shape with the last axis dropped.</summary>
    private static IEnumerable<int[]> Rows(Tensor x) => StridedIndex.Over(x.Shape[..^1]);

    /// <summary>Row index extended by column c: the multi-index of x[row..., c].</summary>
    private static int[] At(int[] row, int c) => [.. row, c];
}
