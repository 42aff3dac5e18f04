// Parity of the routing and embedding kernels: Gather, IndexSelect, ScatterAdd, IndexAdd (with
// repeated indices, so additions collide) and TopK (with ties). Index tensors are drawn in every
// layout too. Gathers, selects and top-k move values, so they must match exactly; so must the MoE
// dispatch plan (SortByExpert: offsets, the stable permutation both ways, tokens), int32 throughout.

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    /// <summary>A data shape, an axis, and an index shape that fits it as torch.gather/scatter_add require.</summary>
    private (int[] Data, int Axis, int[] Index) GatherShapes(int[]? dims, int axisSeed, int[]? indexDims)
    {
        int rank = RankOf(dims, 1, 3), axis = Mod(axisSeed, rank);
        var data = ShapeOf(dims, rank);
        var index = ShapeOf(indexDims, rank);
        for (int d = 0; d < rank; d++)
            if (d != axis) index[d] = Mod(index[d], data[d] + 1);   // index.Shape[d] ≤ data.Shape[d]
        if (data[axis] == 0) index[axis] = 0;                        // nothing to point at
        return (data, axis, index);
    }

    [Property(MaxTest = Cases)]
    public void Gather(int[] dims, int axisSeed, int[] indexDims, ElementType type, Layout layoutX, Layout layoutIndex, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var (shape, axis, indexShape) = GatherShapes(dims, axisSeed, indexDims);
        var x = Input(shape, dtype, layoutX, seed, -10, 10);
        var index = Indices(indexShape, shape[axis], layoutIndex, seed + 1);
        var (expected, actual) = Run(indexShape, dtype, (backend, on, y) => backend.Gather(on(x), axis, on(index), y));
        Check($"Gather axis {axis}", Describe(("x", x), ("index", index)), actual, expected, exact: true);
    }

    [Property(MaxTest = Cases)]
    public void IndexSelect(int[] dims, int axisSeed, int length, ElementType type, Layout layoutX, Layout layoutIndex, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int rank = RankOf(dims, 1, 3), axis = Mod(axisSeed, rank);
        var shape = ShapeOf(dims, rank);
        int L = shape[axis] == 0 ? 0 : Size(length);
        var x = Input(shape, dtype, layoutX, seed, -10, 10);
        var index = Indices([L], shape[axis], layoutIndex, seed + 1);
        var selected = (int[])shape.Clone();
        selected[axis] = L;
        var (expected, actual) = Run(selected, dtype, (backend, on, y) => backend.IndexSelect(on(x), axis, on(index), y));
        Check($"IndexSelect axis {axis}", Describe(("x", x), ("index", index)), actual, expected, exact: true);
    }

    /// <summary>
    /// Runs an in-place accumulation (y += source at index along an axis) on both backends and checks
    /// y. Scale: the same accumulation over absolute values, Σ|terms| landing on each element.
    /// </summary>
    private void CheckAccumulation(string op, Operand y, Operand index, Operand source, Action<IBackend, Tensor, Tensor, Tensor> accumulate)
    {
        Run((backend, on, _) => accumulate(backend, on(y), on(index), on(source)));
        using var scale = y.Reference.Abs();
        using var absSource = source.Reference.Abs();
        accumulate(Reference, scale, index.Reference, absSource);
        Check(op, Describe(("index", index), ("source", source)), y.Device, y.Reference, scale);
    }

    [Property(MaxTest = Cases)]
    public void ScatterAdd(int[] dims, int axisSeed, int[] indexDims, FloatType type, Layout layoutIndex, Layout layoutSource, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var (shape, axis, indexShape) = GatherShapes(dims, axisSeed, indexDims);
        var y = Input(shape, dtype, Layout.Contiguous, seed);         // written in place: contiguous, as the ops make it
        var index = Indices(indexShape, shape[axis], layoutIndex, seed + 1);
        var source = Input(indexShape, dtype, layoutSource, seed + 2);
        CheckAccumulation($"ScatterAdd axis {axis}", y, index, source, (backend, y, index, source) => backend.ScatterAdd(y, axis, index, source));
    }

    [Property(MaxTest = Cases)]
    public void IndexAdd(int[] dims, int axisSeed, int length, FloatType type, Layout layoutIndex, Layout layoutSource, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int rank = RankOf(dims, 1, 3), axis = Mod(axisSeed, rank);
        var shape = ShapeOf(dims, rank);
        int L = shape[axis] == 0 ? 0 : Size(length);
        var sourceShape = (int[])shape.Clone();
        sourceShape[axis] = L;
        var y = Input(shape, dtype, Layout.Contiguous, seed);
        var index = Indices([L], shape[axis], layoutIndex, seed + 1);
        var source = Input(sourceShape, dtype, layoutSource, seed + 2);
        CheckAccumulation($"IndexAdd axis {axis}", y, index, source, (backend, y, index, source) => backend.IndexAdd(y, axis, index, source));
    }

    [Property(MaxTest = Cases)]
    public void TopK(int[] dims, int kSeed, FloatType type, Layout layout, bool ties, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 1, 3));
        int k = Mod(kSeed, shape[^1] + 1);
        var x = Input(shape, dtype, layout, seed, -4, 4, integers: ties);
        var selected = (int[])shape.Clone();
        selected[^1] = k;
        var (expected, actual) = Run((backend, on, outputs) => backend.TopK(on(x), k, outputs[0], outputs[1]),
            (selected, dtype), (selected, DType.Int32));
        Check($"TopK k = {k} values", Describe(("x", x)), actual[0], expected[0], exact: true);
        Check($"TopK k = {k} indices", Describe(("x", x)), actual[1], expected[1]);
    }

    [Property(MaxTest = Cases)]
    public void SortByExpert(int tokens, int kSeed, int expertSeed, Layout layout, int seed)
    {
        // Few experts for many assignments, so every expert's bucket holds several and some none.
        using var scope = new TensorScope();
        int N = Size(tokens), K = 1 + Mod(kSeed, 4), E = 1 + Mod(expertSeed, 9);
        var indices = Indices([N, K], E, layout, seed);
        var (expected, actual) = Run((backend, on, plan) => backend.SortByExpert(on(indices), plan[0], plan[1], plan[2], plan[3]),
            ([E + 1], DType.Int32), ([N * K], DType.Int32), ([N * K], DType.Int32), ([N * K], DType.Int32));
        string[] names = ["offsets", "slot", "position", "token"];
        for (int i = 0; i < names.Length; i++)
            Check($"SortByExpert N {N} K {K} E {E} {names[i]}", Describe(("indices", indices)), actual[i], expected[i]);
    }
}
