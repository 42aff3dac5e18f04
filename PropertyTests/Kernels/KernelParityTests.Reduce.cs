// Parity of the kernels that reduce along an axis: Reduce (Sum, Max, Min), ArgMax (ties to the
// lowest index) and Softmax/log-softmax over the last axis (with inputs large enough that an
// implementation without the max shift would overflow in float32).

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    [Property(MaxTest = 2 * Cases)]
    public void Reduce(ReduceOp op, int[] dims, int axisSeed, ElementType type, Layout layout, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int rank = RankOf(dims, 1, 4), axis = Mod(axisSeed, rank);
        var shape = ShapeOf(dims, rank);
        if (op != ReduceOp.Sum) shape[axis] = Math.Max(shape[axis], 1);   // max/min of nothing is undefined
        var x = Input(shape, dtype, layout, seed, -8, 8, integers: dtype == DType.Int32);
        var reduced = (int[])shape.Clone();
        reduced[axis] = 1;
        var (expected, actual) = Run(reduced, dtype, (backend, on, y) => backend.Reduce(op, on(x), axis, y));
        // A sum's rounding error scales with Σ|x|; max and min pick an element, so they are exact.
        using var absSum = x.Reference.Abs().Sum(axis, keepDim: true);
        Check($"Reduce {op} axis {axis}", Describe(("x", x)), actual, expected, absSum, exact: op != ReduceOp.Sum);
    }

    [Property(MaxTest = Cases)]
    public void ArgMax(int[] dims, int axisSeed, FloatType type, Layout layout, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int rank = RankOf(dims, 1, 4), axis = Mod(axisSeed, rank);
        var shape = ShapeOf(dims, rank);
        shape[axis] = Math.Max(shape[axis], 1);
        var x = Input(shape, dtype, layout, seed, -3, 3, integers: true);   // few distinct values: many ties
        var reduced = (int[])shape.Clone();
        reduced[axis] = 1;
        var (expected, actual) = Run(reduced, DType.Int32, (backend, on, y) => backend.ArgMax(on(x), axis, y));
        Check($"ArgMax axis {axis}", Describe(("x", x)), actual, expected);
    }

    [Property(MaxTest = Cases)]
    public void Softmax(int[] dims, FloatType type, Layout layout, bool log, bool large, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 1, 3));
        shape[^1] = Math.Max(shape[^1], 1);                   // rows may be absent, but not empty
        double spread = large ? 100 : 5;                      // e^100 overflows float32 unless the max is subtracted
        var x = Input(shape, dtype, layout, seed, -spread, spread);
        var (expected, actual) = Run(shape, dtype, (backend, on, y) => backend.Softmax(on(x), y, log));
        // softmax: each p = exp(x − max)/s to a few ulps, but x − max carries |x − max| ulps of x;
        // log-softmax = x − max − log s: error scales with |x| + |max| + log s.
        using var absX = x.Reference.Abs();
        using var scale = log ? absX.Add(absX.Max(-1, keepDim: true)).Add(expected.Abs()).Add(1)
                              : expected.Mul(absX.Add(absX.Max(-1, keepDim: true)).Add(1));
        Check(log ? "LogSoftmax" : "Softmax", Describe(("x", x)), actual, expected, scale);
    }
}
