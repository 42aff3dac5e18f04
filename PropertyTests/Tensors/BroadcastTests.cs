// NumPy broadcasting through the Tensor API: the result shape is NumPy's (align right, a size-1
// axis stretches), every element is a[aligned index] op b[aligned index], and shapes that do not
// broadcast throw a ShapeException naming the op and both shapes.
// The oracle here is written from NumPy's rule statement, independently of Shape.Broadcast.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class BroadcastTests
{
    /// <summary>Two shapes that broadcast: suffixes of one full shape with some axes set to 1.</summary>
    private static (int[] A, int[] B, int[] Expected) CompatibleShapes(int[]? dims, int dropA, int dropB, int onesMask)
    {
        var full = ShapeOf(dims, maxRank: 4, max: 4);
        int[] Take(int drop, int shift)
        {
            var suffix = full[Math.Min(Size(drop, full.Length), full.Length)..];
            for (int i = 0; i < suffix.Length; i++)
                if ((onesMask >> (shift + i) & 1) == 1) suffix[i] = 1;
            return suffix;
        }
        var a = Take(dropA, 0);
        var b = Take(dropB, 8);
        // NumPy: pad the shorter shape with leading 1s; each result axis is the one that is not 1.
        int rank = Math.Max(a.Length, b.Length);
        var paddedA = Enumerable.Repeat(1, rank - a.Length).Concat(a).ToArray();
        var paddedB = Enumerable.Repeat(1, rank - b.Length).Concat(b).ToArray();
        var expected = paddedA.Zip(paddedB, (x, y) => x == 1 ? y : x).ToArray();
        return (a, b, expected);
    }

    [Property(MaxTest = 100)]
    public void ResultShapeAndElementsAreNumPys(int[] dims, int dropA, int dropB, int onesMask, int seed)
    {
        using var scope = new TensorScope();
        var (shapeA, shapeB, expectedShape) = CompatibleShapes(dims, dropA, dropB, onesMask);
        var a = Rand(shapeA, seed);
        var b = Rand(shapeB, seed + 1);
        var y = a.Sub(b);
        Assert.Equal(expectedShape, y.Shape);

        double[] hostA = a.ToDoubleArray(), hostB = b.ToDoubleArray(), hostY = y.ToDoubleArray();
        foreach (var i in StridedIndex.Over(expectedShape))
        {
            // Aligned index into an operand: drop the leading axes it lacks, read 0 on its size-1 axes.
            double At(double[] host, int[] shape) =>
                host[Flat([.. shape.Select((d, k) => d == 1 ? 0 : i[k + expectedShape.Length - shape.Length])], shape)];
            Assert.Equal(At(hostA, shapeA) - At(hostB, shapeB), hostY[Flat(i, expectedShape)]);
        }
    }

    [Property(MaxTest = 50)]
    public void IncompatibleShapesThrowNamingOpAndShapes(int[] dims, int axisSeed, int extra)
    {
        var shapeA = ShapeOf(dims, maxRank: 4, max: 4, allowEmpty: false);
        if (shapeA.Length == 0) shapeA = [3];
        int axis = Size(axisSeed, shapeA.Length - 1);
        // Two sizes on one axis, neither of them 1 and not equal: these shapes cannot broadcast.
        shapeA[axis] = Math.Max(shapeA[axis], 2);
        var shapeB = (int[])shapeA.Clone();
        shapeB[axis] = shapeA[axis] + 1 + Size(extra, 3);
        using var scope = new TensorScope();
        var a = Rand(shapeA, 1);
        var b = Rand(shapeB, 2);
        var error = Assert.Throws<ShapeException>(() => a.Add(b));
        Assert.Contains("Add", error.Message);
        Assert.Contains(Shape.Format(shapeA), error.Message);
        Assert.Contains(Shape.Format(shapeB), error.Message);
    }
}
