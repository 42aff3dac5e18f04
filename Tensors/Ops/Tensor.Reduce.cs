// Reductions. The backend reduces one axis at a time with keepdim; several axes are reduced in
// turn and squeezed at the end when keepDim is false. Mean is Sum scaled by the count.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    public Tensor Reduce(ReduceOp op, int[]? axes = null, bool keepDim = false)
    {
        ThrowIfDisposed(op.ToString());
        var normalized = (axes ?? Enumerable.Range(0, Rank).ToArray())
            .Select(a => Tensors.Shape.NormalizeAxis(op.ToString(), a, Rank)).Distinct().OrderBy(a => a).ToArray();
        var current = Alias();
        foreach (int axis in normalized)
        {
            var shape = (int[])current.Shape.Clone();
            if (shape[axis] == 0 && op != ReduceOp.Sum)
                throw new ShapeException($"{op}: cannot reduce an empty axis {axis} of {Tensors.Shape.Format(Shape)}");
            shape[axis] = 1;
            var y = Empty(shape, DType, Backend);
            Backend.Reduce(op, current, axis, y);
            current.Dispose();
            current = y;
        }
        if (keepDim) return current;
        var kept = current.Shape.Where((_, i) => !normalized.Contains(i)).ToArray();
        using (current) return current.Reshape(kept);
    }

    public Tensor Sum(int[]? axes = null, bool keepDim = false) => Reduce(ReduceOp.Sum, axes, keepDim);
    public Tensor Sum(int axis, bool keepDim = false) => Reduce(ReduceOp.Sum, [axis], keepDim);
    public Tensor Max(int axis, bool keepDim = false) => Reduce(ReduceOp.Max, [axis], keepDim);
    public Tensor Min(int axis, bool keepDim = false) => Reduce(ReduceOp.Min, [axis], keepDim);

    public Tensor Mean(int[]? axes = null, bool keepDim = false)
    {
        long count = 1;
        foreach (int a in axes ?? Enumerable.Range(0, Rank).ToArray())
            count *= Shape[Tensors.Shape.NormalizeAxis("Mean", a, Rank)];
        using var sum = Sum(axes, keepDim);
        return sum.Mul(1.0 / count);
    }

    public Tensor Mean(int axis, bool keepDim = false) => Mean([axis], keepDim);

    /// <summary>Int32 index of the maximum along axis (ties: lowest index).</summary>
    public Tensor ArgMax(int axis, bool keepDim = false)
    {
        int a = Tensors.Shape.NormalizeAxis("ArgMax", axis, Rank);
        if (Shape[a] == 0)
            throw new ShapeException($"ArgMax: axis {a} of {Tensors.Shape.Format(Shape)} is empty");
        var shape = (int[])Shape.Clone();
        shape[a] = 1;
        var y = Empty(shape, DType.Int32, Backend);
        Backend.ArgMax(this, a, y);
        if (keepDim) return y;
        using (y) return y.Squeeze(a);
    }
}
