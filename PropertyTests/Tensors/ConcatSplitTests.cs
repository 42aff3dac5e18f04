// Concat and Split are inverses: splitting a tensor into pieces along an axis and concatenating
// them gives the tensor back, and each piece is the matching Narrow.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class ConcatSplitTests
{
    [Property(MaxTest = 60)]
    public void ConcatOfSplitIsIdentity(int[] dims, int axisSeed, int[] cuts, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 3, max: 6);
        if (shape.Length == 0) return;
        int axis = Size(axisSeed, shape.Length - 1);
        // Piece sizes: cut points in 0..size (empty pieces allowed), sorted.
        var points = (cuts ?? []).Take(4).Select(c => Size(c, shape[axis])).Append(0).Append(shape[axis]).Order().ToArray();
        var sizes = points.Zip(points.Skip(1), (a, b) => b - a).ToArray();
        var x = Rand(shape, seed);
        var pieces = x.Split(sizes, axis);
        int start = 0;
        for (int p = 0; p < pieces.Length; p++)
        {
            using var narrow = x.Narrow(axis, start, sizes[p]);
            ArrayAssert.Close(pieces[p].ToDoubleArray(), narrow.ToDoubleArray(), Tolerance.Exact, $"piece {p}");
            start += sizes[p];
        }
        var joined = Tensor.Concat(pieces, axis);
        Assert.Equal(shape, joined.Shape);
        ArrayAssert.Close(joined.ToDoubleArray(), x.ToDoubleArray(), Tolerance.Exact, $"Concat(Split({Shape.Format(sizes)}, {axis}))");
    }
}
