// Reductions on Variables. Sum's backward broadcasts dy back over the reduced axes; Max/Min send
// it to the element that won (found by ArgMax, ties: lowest index, matching the forward).
// Mean is Sum scaled, so its gradient comes free. ArgMax has no gradient and returns a Tensor.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public partial class Variable
{
    public Variable Sum(int[]? axes = null, bool keepDim = false)
    {
        var kept = KeptShape(axes);
        return Tape.Record("Sum", Data.Sum(axes, keepDim), [this],
            (dy, n) => dy.Reshape(kept).Expand(n.X[0].Shape)); // every summed element had slope 1
    }

    public Variable Sum(int axis, bool keepDim = false) => Sum([axis], keepDim);

    public Variable Mean(int[]? axes = null, bool keepDim = false) =>
        Sum(axes, keepDim) * ((double)Tensors.Shape.Numel(KeptShape(axes)) / Numel);

    public Variable Mean(int axis, bool keepDim = false) => Mean([axis], keepDim);

    public Variable Max(int axis, bool keepDim = false) => Extremum(axis, keepDim, max: true);
    public Variable Min(int axis, bool keepDim = false) => Extremum(axis, keepDim, max: false);

    private Variable Extremum(int axis, bool keepDim, bool max)
    {
        var kept = KeptShape([axis]);
        int a = Tensors.Shape.NormalizeAxis(max ? "Max" : "Min", axis, Rank);
        Tensor winner;
        if (max) winner = Data.ArgMax(a, keepDim: true);
        else using (var negated = Data.Neg()) winner = negated.ArgMax(a, keepDim: true);
        var y = max ? Data.Max(a, keepDim) : Data.Min(a, keepDim);
        return Tape.Record(max ? "Max" : "Min", y, [this], saved: [winner],
            (dy, n) => Tensor.ZerosLike(n.X[0]).ScatterAdd(a, n.Saved[0], dy.Reshape(kept)));
    }

    /// <summary>Int32 index of the maximum along axis. Not differentiable: a plain Tensor.</summary>
    public Tensor ArgMax(int axis, bool keepDim = false) => Data.ArgMax(axis, keepDim);

    // The shape of a keepDim reduction over axes (all axes when null): reduced axes become 1.
    private int[] KeptShape(int[]? axes)
    {
        var kept = (int[])Shape.Clone();
        foreach (int axis in axes ?? Enumerable.Range(0, Rank).ToArray())
            kept[Tensors.Shape.NormalizeAxis("Sum", axis, Rank)] = 1;
        return kept;
    }
}
