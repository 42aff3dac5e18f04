// Reductions over one axis: Reduce (sum, max, min) and ArgMax (Shaders/reduce.comp), and
// RowGroupFor, the row workgroup that Softmax, TopK, RmsNorm and CrossEntropy share too. One
// workgroup per output row, as wide as the row needs (one invocation per row when rows are short);
// the rows are the other axes of x, coalesced like the elementwise layouts, so any axis of any view
// reduces without a copy.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    private const uint RowGroupSize = 256;

    /// <summary>
    /// The workgroup for kernels that give each row a workgroup: the power of two covering the row,
    /// from 32 (a warp; lavapipe's subgroup is 8) up to RowGroupSize. A 256-wide group on the 8
    /// routing scores of a token would leave 248 invocations idle through every barrier.
    /// </summary>
    private static uint RowGroupFor(long columns) =>
        (uint)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(columns, 1)), 32, RowGroupSize);

    /// <summary>Rows up to this long are reduced one per invocation instead of one per workgroup.</summary>
    private const long ShortRowColumns = 32;
    // reduce.comp's ARGMAX: the op code after ReduceOp's members (REDUCE_COUNT in kernel_ops.glsl).
    private static readonly uint ArgMaxOp = (uint)Enum.GetValues<ReduceOp>().Length;

    public void Reduce(ReduceOp op, Tensor x, int axis, Tensor y)
    {
        CheckOp(op);
        if (MixesBf16(x, y)) { Bf16Widening.Run("rw", [x, y], (this, op, axis), static (t, s) => s.Item1.Reduce(s.op, t[0], s.axis, t[1])); return; }
        ReduceAxis($"reduce.{op}", (uint)op, x, axis, y);
    }

    /// <summary>A bf16 x is widened: the bf16 variant stores y as bf16 words, and argmax's y is int32.</summary>
    public void ArgMax(Tensor x, int axis, Tensor y)
    {
        if (Bf16Widening.Applies(x)) { Bf16Widening.Run("rw", [x, y], (this, axis), static (t, s) => s.Item1.ArgMax(t[0], s.axis, t[1])); return; }
        ReduceAxis("reduce.ArgMax", ArgMaxOp, x, axis, y);
    }

    private void ReduceAxis(string name, uint op, Tensor x, int axis, Tensor y)
    {
        if (y.Numel == 0) return;
        var otherShape = x.Shape.Where((_, d) => d != axis).ToArray();
        var otherStrides = x.Strides.Where((_, d) => d != axis).ToArray();
        var layout = StridedLayout.Coalesce(name, otherShape, otherStrides);
        long rows = y.Numel, columns = x.Shape[axis];
        var push = new PushConstants()
            .U(rows).U(columns).U((uint)layout.Rank)
            .Ints(layout.Shape, StridedLayout.MaxRank)
            .Ints(layout.Strides[0], StridedLayout.MaxRank)
            .U(x.Strides[axis]).U(x.Offset).U(y.Offset);
        bool shortRows = columns <= ShortRowColumns;
        Dispatch(Kernel(Variant("reduce", x), 2, shortRows ? RowGroupSize : RowGroupFor(columns), op, DTypeCode(x), shortRows ? 1u : 0u), [Read(x), Write(y)], push,
            shortRows ? GroupsFor(rows, RowGroupSize) : GroupsFor(rows, 1), label: name);
    }
}
