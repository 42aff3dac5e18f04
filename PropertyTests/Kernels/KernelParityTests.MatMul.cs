// Parity of the matrix products: batched MatMul with transposed, strided and batch-broadcast
// operands, and the MoE grouped GEMMs with empty groups. The error scale of each output is the
// same product over absolute values, Σ_k |a|·|b|: a dot product may cancel, its rounding cannot.

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    [Property(MaxTest = 2 * Cases)]
    public void MatMul(int[] dims, FloatType type, Layout layoutA, Layout layoutB, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var size = ShapeOf(dims, 4);
        int B = 1 + Mod(size[0], 3), M = size[1], K = size[2], N = size[3];
        // The Expanded layout makes the batch axis (and the last axis) stride 0: a shared operand.
        var a = Input([B, M, K], dtype, layoutA, seed);
        var b = Input([B, K, N], dtype, layoutB, seed + 1);
        var (expected, actual) = Run([B, M, N], dtype, (backend, on, c) => backend.MatMul(on(a), on(b), c));
        using var absA = a.Reference.Abs();
        using var absB = b.Reference.Abs();
        using var scale = Tensor.Empty([B, M, N], DType.Float64, Reference);
        Reference.MatMul(absA, absB, scale);
        Check("MatMul", Describe(("a", a), ("b", b)), actual, expected, scale);
    }

    /// <summary>Offsets (G+1) for group sizes drawn from raw; groups may be empty.</summary>
    private int[] GroupOffsets(int[]? groupSizes)
    {
        var sizes = (groupSizes ?? []).Take(5).Select(raw => Size(raw)).DefaultIfEmpty(0).ToArray();
        var offsets = new int[sizes.Length + 1];
        for (int g = 0; g < sizes.Length; g++) offsets[g + 1] = offsets[g] + sizes[g];
        return offsets;
    }

    [Property(MaxTest = Cases)]
    public void GroupedMatMul(int[] groupSizes, int k, int m, FloatType type, Layout layoutX, Layout layoutW, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var start = GroupOffsets(groupSizes);
        int G = start.Length - 1, N = start[^1], K = Size(k), M = Size(m);
        var x = Input([N, K], dtype, layoutX, seed);
        var w = Input([G, K, M], dtype, layoutW, seed + 1);
        var offsets = Ints(start);
        var (expected, actual) = Run([N, M], dtype, (backend, on, y) => backend.GroupedMatMul(on(x), on(w), on(offsets), y));
        using var absX = x.Reference.Abs();
        using var absW = w.Reference.Abs();
        using var scale = Tensor.Empty([N, M], DType.Float64, Reference);
        Reference.GroupedMatMul(absX, absW, offsets.Reference, scale);
        Check("GroupedMatMul", $"offsets [{string.Join(", ", start)}]; " + Describe(("x", x), ("w", w)), actual, expected, scale);
    }

    [Property(MaxTest = Cases)]
    public void GroupedMatMulWeightGrad(int[] groupSizes, int k, int m, FloatType type, Layout layoutX, Layout layoutDy, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var start = GroupOffsets(groupSizes);
        int G = start.Length - 1, N = start[^1], K = Size(k), M = Size(m);
        var x = Input([N, K], dtype, layoutX, seed);
        var dy = Input([N, M], dtype, layoutDy, seed + 1);
        var offsets = Ints(start);
        var (expected, actual) = Run([G, K, M], dtype, (backend, on, dw) => backend.GroupedMatMulWeightGrad(on(x), on(dy), on(offsets), dw));
        using var absX = x.Reference.Abs();
        using var absDy = dy.Reference.Abs();
        using var scale = Tensor.Empty([G, K, M], DType.Float64, Reference);
        Reference.GroupedMatMulWeightGrad(absX, absDy, offsets.Reference, scale);
        Check("GroupedMatMulWeightGrad", $"offsets [{string.Join(", ", start)}]; " + Describe(("x", x), ("dy", dy)), actual, expected, scale);
    }
}
