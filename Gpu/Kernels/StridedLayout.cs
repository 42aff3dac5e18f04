// StridedLayout: an output shape and its operands' strides, simplified for a shader.
// Size-1 axes are dropped and neighbouring axes merged wherever every operand is contiguous across
// them (stride[d] == stride[d+1] · shape[d+1]), so a dense 5-D add becomes 1-D and most views stay
// within MAX_RANK (6) axes. A layout that still needs more axes is refused with the shapes named.
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
        var dims = new List<int>();
        var kept = strides.Select(_ => new List<long>()).ToArray();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            bool merge = dims.Count > 0 && Enumerable.Range(0, strides.Length)
                .All(o => kept[o][^1] == strides[o][d] * shape[d]);
            if (merge)
            {
                dims[^1] *= shape[d];
                for (int o = 0; o < strides.Length; o++) kept[o][^1] = strides[o][d];
            }
            else
            {
                dims.Add(shape[d]);
                for (int o = 0; o < strides.Length; o++) kept[o].Add(strides[o][d]);
            }
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            foreach (var k in kept) k.Add(0);
        }
        if (dims.Count > MaxRank)
            throw new NotSupportedException(
                $"{op}: shape {Tensors.Shape.Format(shape)} with these strides needs {dims.Count} axes after merging; the Vulkan kernels take at most {MaxRank} (make it contiguous first)");
        return new StridedLayout([.. dims], kept.Select(k => k.Select(s => checked((int)s)).ToArray()).ToArray());
    }
}
