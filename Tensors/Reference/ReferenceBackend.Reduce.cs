// Reference reductions over one axis with keepdim (y has size 1 on that axis): Sum, Max, Min, and
// ArgMax. For every output index the loop runs j along the axis of x.
// An empty axis reduces to the op's identity (0, −∞, +∞); ArgMax of an empty axis has no answer
// and throws.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>y[.., 0, ..] = Σ_j / max_j / min_j x[.., j, ..] along axis.</summary>
    public void Reduce(ReduceOp op, Tensor x, int axis, Tensor y)
    {
        double identity = op switch
        {
            ReduceOp.Sum => 0,
            ReduceOp.Max => double.NegativeInfinity,
            ReduceOp.Min => double.PositiveInfinity,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, $"reference: unknown reduce op {op}"),
        };
        foreach (var i in StridedIndex.Over(y.Shape))
        {
            double acc = identity;
            for (int j = 0; j < x.Shape[axis]; j++)
            {
                double v = Get(x, StridedIndex.With(i, axis, j));
                acc = op switch
                {
                    ReduceOp.Sum => acc + v,
                    ReduceOp.Max => Math.Max(acc, v),
                    _ => Math.Min(acc, v),
                };
            }
            Set(y, i, acc);
        }
    }

    /// <summary>y[.., 0, ..] = the lowest j with x[.., j, ..] = max along axis (strict > keeps the first).</summary>
    public void ArgMax(Tensor x, int axis, Tensor y)
    {
        if (x.Shape[axis] == 0 && y.Numel > 0)
            throw new ArgumentException($"ArgMax: axis {axis} of {Shape.Format(x.Shape)} is empty");
        foreach (var i in StridedIndex.Over(y.Shape))
        {
            int best = 0;
            double bestValue = Get(x, StridedIndex.With(i, axis, 0));
            for (int j = 1; j < x.Shape[axis]; j++)
            {
                double v = Get(x, StridedIndex.With(i, axis, j));
                if (v > bestValue) { best = j; bestValue = v; }
            }
            Set(y, i, best);
        }
    }
}
