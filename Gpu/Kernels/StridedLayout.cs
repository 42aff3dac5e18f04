// StridedLayout: an output shape and its operands' strides, simplified for a shader.
// Size-1 axes are dropped and neighbouring axes merged wherever every operand is contiguous across
// them (Tensors' AxisCoalescing, the same rule as the CPU kernels), so a dense 5-D add becomes 1-D and most views stay
// within MAX_RANK (6) axes. A layout that still needs more axes is refused with the shapes named.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu.Kernels;

internal sealed class StridedLayout
{
    public const int MaxRank = 6;

    public int[] Shape { get; }

    /// <summary>Strides of each operand over Shape, in elements (int: shaders index with 32 bits).</summary>
    public int[][] Strides { get; }

    public int Rank => Shape.Length;

    private StridedLayout(int[] shape, int[][] strides)
    {
        Shape = shape;
        Strides = strides;
    }

    public static StridedLayout Coalesce(string op, int[] shape, params long[][] strides)
    {
        int rank = shape.Length, operands = strides.Length, operandStride = Math.Max(rank, 1);
        var sizes = new long[operandStride];
        var flat = new long[operands * operandStride];
        for (int d = 0; d < rank; d++) sizes[d] = shape[d];
        for (int o = 0; o < operands; o++) strides[o].AsSpan(0, rank).CopyTo(flat.AsSpan(o * operandStride));
        int kept = AxisCoalescing.Coalesce(sizes, flat, rank, operands, operandStride);
        if (kept > MaxRank)
            throw new NotSupportedException(
                $"{op}: shape {Tensors.Shape.Format(shape)} with these strides needs {kept} axes after merging; the Vulkan kernels take at most {MaxRank} (make it contiguous first)");
        return new StridedLayout(
            sizes[..kept].Select(size => (int)size).ToArray(),
            Enumerable.Range(0, operands).Select(o => flat[(o * operandStride)..(o * operandStride + kept)].Select(s => checked((int)s)).ToArray()).ToArray());
    }
}
