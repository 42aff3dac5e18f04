// Broadcasting in reverse: the one helper every op with broadcast inputs uses in its backward.
// If the forward expanded x of shape (3, 1) to (2, 3, 4), each element of x was used 2·4 times,
// so its gradient is the sum of those uses: sum dy over the added leading axes and over the axes
// where x had size 1, then reshape to x's shape.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public static class Broadcasting
{
    /// <summary>dy summed down to shape (which dy's shape is a broadcast of); a new tensor either way.</summary>
    public static Tensor SumTo(Tensor dy, int[] shape)
    {
        if (Shape.SameShape(dy.Shape, shape)) return dy.Alias();
        int lead = dy.Rank - shape.Length;
        if (lead < 0)
            throw new ShapeException($"SumTo: {Shape.Format(dy.Shape)} cannot be summed down to more axes {Shape.Format(shape)}");
        var axes = Enumerable.Range(0, dy.Rank).Where(i => i < lead || (shape[i - lead] == 1 && dy.Shape[i] != 1)).ToArray();
        using var summed = dy.Sum(axes, keepDim: true); // keeps the rank: (1, 3, 1)
        return summed.Reshape(shape);                    // drops the added leading axes: (3, 1)
    }
}
