// Views and movement on Variables: the forward is a strided view (no copy) and the backward is
// the inverse view of dy — reshape back, permute back, squeeze what was unsqueezed. Expand's
// backward sums (Broadcasting.SumTo); Narrow and Select put dy into a zero tensor of x's shape.
// Concat's backward narrows dy; Split is a run of Narrows, so its gradient comes free.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public partial class Variable
{
    public Variable Reshape(params int[] shape) => Tape.Record("Reshape", Data.Reshape(shape), [this], (dy, n) => dy.Reshape(n.X[0].Shape));
    public Variable Flatten() => Reshape(-1);

    public Variable Permute(params int[] order)
    {
        var inverse = new int[order.Length];
        for (int i = 0; i < order.Length; i++) inverse[Tensors.Shape.NormalizeAxis("Permute", order[i], Rank)] = i;
        return Tape.Record("Permute", Data.Permute(order), [this], (dy, n) => dy.Permute(inverse));
    }

    public Variable Transpose(int axis0, int axis1) =>
        Tape.Record("Transpose", Data.Transpose(axis0, axis1), [this], (dy, n) => dy.Transpose(axis0, axis1));

    public Variable Expand(params int[] shape) =>
        Tape.Record("Expand", Data.Expand(shape), [this], (dy, n) => Broadcasting.SumTo(dy, n.X[0].Shape));

    public Variable Unsqueeze(int axis)
    {
        int a = Tensors.Shape.NormalizeAxis("Unsqueeze", axis, Rank + 1);
        return Tape.Record("Unsqueeze", Data.Unsqueeze(a), [this], (dy, n) => dy.Squeeze(a));
    }

    public Variable Squeeze(int axis)
    {
        int a = Tensors.Shape.NormalizeAxis("Squeeze", axis, Rank);
        return Tape.Record("Squeeze", Data.Squeeze(a), [this], (dy, n) => dy.Unsqueeze(a));
    }

    public Variable Contiguous() => Tape.Record("Contiguous", Data.Contiguous(), [this], (dy, n) => dy.Alias());

    public Variable Narrow(int axis, int start, int length) =>
        Tape.Record("Narrow", Data.Narrow(axis, start, length), [this], (dy, n) => IntoZeros(n.X[0], dy, g => g.Narrow(axis, start, length)));

    public Variable Select(int axis, int index) =>
        Tape.Record("Select", Data.Select(axis, index), [this], (dy, n) => IntoZeros(n.X[0], dy, g => g.Select(axis, index)));

    // dx is zero except in the part of x the view picked, which receives dy.
    private static Tensor IntoZeros(Tensor x, Tensor dy, Func<Tensor, Tensor> view)
    {
        var dx = Tensor.ZerosLike(x);
        using var slot = view(dx);
        dx.Backend.Copy(dy, slot);
        return dx;
    }

    /// <summary>Joins Variables along axis; each part's gradient is its slice of dy.</summary>
    public static Variable Concat(IReadOnlyList<Variable> parts, int axis)
    {
        var data = Tensor.Concat(parts.Select(p => p.Data).ToArray(), axis);
        int a = Tensors.Shape.NormalizeAxis("Concat", axis, data.Rank);
        var starts = new int[parts.Count];
        for (int i = 1; i < parts.Count; i++) starts[i] = starts[i - 1] + parts[i - 1].Shape[a];
        return Tape.Record("Concat", data, [.. parts],
            parts.Select((p, i) => (InputGradFn)((dy, n) => dy.Narrow(a, starts[i], p.Shape[a]))).ToArray());
    }

    /// <summary>Consecutive pieces of the given sizes along axis (views).</summary>
    public Variable[] Split(int[] sizes, int axis)
    {
        int a = Tensors.Shape.NormalizeAxis("Split", axis, Rank);
        if (sizes.Sum() != Shape[a] || sizes.Any(s => s < 0))
            throw new ShapeException($"Split: sizes {Tensors.Shape.Format(sizes)} do not add up to axis {a} of {Tensors.Shape.Format(Shape)}");
        var starts = new int[sizes.Length];
        for (int i = 1; i < sizes.Length; i++) starts[i] = starts[i - 1] + sizes[i - 1];
        return sizes.Select((size, i) => Narrow(a, starts[i], size)).ToArray();
    }
}
