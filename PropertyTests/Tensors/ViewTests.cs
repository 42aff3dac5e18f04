// Views through the Tensor API give the elements NumPy would, checked against host index
// arithmetic on the base tensor's elements: narrow, select, expand, permute, squeeze/unsqueeze,
// and the round trips (reshape back and forth, permute then inverse, transpose twice).
// Contiguous() of any view must hold exactly the view's elements.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class ViewTests
{
    /// <summary>view[i] must equal base[source(i)] for every multi-index i of the view.</summary>
    private static void AssertElements(string view, Tensor baseTensor, Tensor viewTensor, Func<int[], int[]> source)
    {
        double[] hostBase = baseTensor.ToDoubleArray(), hostView = viewTensor.ToDoubleArray();
        using var dense = viewTensor.Contiguous();
        double[] hostDense = dense.ToDoubleArray();
        foreach (var i in StridedIndex.Over(viewTensor.Shape))
        {
            double expected = hostBase[Flat(source(i), baseTensor.Shape)];
            long at = Flat(i, viewTensor.Shape);
            Assert.True(expected == hostView[at], $"{view}: element {Shape.Format(i)} is {hostView[at]}, expected {expected}");
            Assert.True(expected == hostDense[at], $"{view}: Contiguous() element {Shape.Format(i)} is {hostDense[at]}, expected {expected}");
        }
    }

    [Property(MaxTest = 60)]
    public void NarrowSelectsARange(int[] dims, int axisSeed, int startSeed, int lengthSeed, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 4);
        if (shape.Length == 0) return;
        int axis = Size(axisSeed, shape.Length - 1);
        int start = Size(startSeed, shape[axis]), length = Size(lengthSeed, shape[axis] - start);
        var x = Rand(shape, seed);
        var view = x.Narrow(axis, start, length);
        AssertElements($"Narrow({axis}, {start}, {length}) of {Shape.Format(shape)}", x, view, i => StridedIndex.With(i, axis, i[axis] + start));
    }

    [Property(MaxTest = 60)]
    public void SelectDropsAnAxis(int[] dims, int axisSeed, int indexSeed, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 4, allowEmpty: false);
        if (shape.Length == 0) return;
        int axis = Size(axisSeed, shape.Length - 1), at = Size(indexSeed, shape[axis] - 1);
        var x = Rand(shape, seed);
        var view = x.Select(axis, at);
        AssertElements($"Select({axis}, {at}) of {Shape.Format(shape)}", x, view, i => [.. i[..axis], at, .. i[axis..]]);
    }

    [Property(MaxTest = 60)]
    public void ExpandRepeatsSizeOneAxes(int[] dims, int onesMask, int lead, int seed)
    {
        using var scope = new TensorScope();
        var target = ShapeOf(dims, maxRank: 4);
        int leading = Size(lead, Math.Min(2, target.Length));
        var shape = target[leading..].Select((d, k) => (onesMask >> k & 1) == 1 ? 1 : d).ToArray();
        var x = Rand(shape, seed);
        var view = x.Expand(target);
        Assert.Equal(target, view.Shape);
        AssertElements($"Expand {Shape.Format(shape)} -> {Shape.Format(target)}", x, view,
            i => [.. shape.Select((d, k) => d == 1 ? 0 : i[k + leading])]);
    }

    [Property(MaxTest = 60)]
    public void PermuteMovesAxesAndItsInverseRestores(int[] dims, int permutationSeed, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 4);
        var order = Enumerable.Range(0, shape.Length).OrderBy(a => new System.Random(permutationSeed + a).Next()).ToArray();
        var inverse = new int[order.Length];
        for (int k = 0; k < order.Length; k++) inverse[order[k]] = k;
        var x = Rand(shape, seed);
        var permuted = x.Permute(order);
        Assert.Equal(order.Select(a => shape[a]), permuted.Shape);
        // permuted[i] = x[j] with j[order[k]] = i[k]
        AssertElements($"Permute {Shape.Format(order)} of {Shape.Format(shape)}", x, permuted, i =>
        {
            var j = new int[i.Length];
            for (int k = 0; k < i.Length; k++) j[order[k]] = i[k];
            return j;
        });
        var back = permuted.Permute(inverse);
        Assert.Equal(shape, back.Shape);
        AssertElements("Permute then inverse", x, back, i => i);
    }

    [Property(MaxTest = 40)]
    public void TransposeTwiceIsIdentity(int[] dims, int a, int b, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 4);
        if (shape.Length == 0) return;
        int axis0 = Size(a, shape.Length - 1), axis1 = Size(b, shape.Length - 1);
        var x = Rand(shape, seed);
        var twice = x.Transpose(axis0, axis1).Transpose(axis0, axis1);
        Assert.Equal(x.Strides, twice.Strides);
        AssertElements($"Transpose({axis0}, {axis1}) twice", x, twice, i => i);
    }

    [Property(MaxTest = 60)]
    public void ReshapeKeepsRowMajorOrderAndRoundTrips(int[] dims, int splitSeed, bool transposeFirst, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 4);
        var x = Rand(shape, seed);
        // Possibly a non-contiguous view: reshape must then copy, keeping the view's row-major order.
        var source = transposeFirst && shape.Length >= 2 ? x.MT : x;
        var flat = source.Flatten();
        ArrayAssert.Close(flat.ToDoubleArray(), source.ToDoubleArray(), Tolerance.Exact, "Reshape to 1-D");
        // Any split of the elements into (n, rest) and back.
        var divisors = Enumerable.Range(1, (int)source.Numel).Where(d => source.Numel % d == 0).ToArray();
        if (divisors.Length == 0) return;
        int n = divisors[Size(splitSeed, divisors.Length - 1)];
        var matrix = source.Reshape(n, -1);
        ArrayAssert.Close(matrix.ToDoubleArray(), source.ToDoubleArray(), Tolerance.Exact, $"Reshape to ({n}, -1)");
        var back = matrix.Reshape(source.Shape);
        Assert.Equal(source.Shape, back.Shape);
        ArrayAssert.Close(back.ToDoubleArray(), source.ToDoubleArray(), Tolerance.Exact, "Reshape back");
    }

    [Property(MaxTest = 40)]
    public void UnsqueezeThenSqueezeRoundTrips(int[] dims, int axisSeed, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 3);
        int axis = Size(axisSeed, shape.Length);
        var x = Rand(shape, seed);
        var unsqueezed = x.Unsqueeze(axis);
        Assert.Equal([.. shape[..axis], 1, .. shape[axis..]], unsqueezed.Shape);
        AssertElements($"Unsqueeze({axis})", x, unsqueezed, i => [.. i[..axis], .. i[(axis + 1)..]]);
        var squeezed = unsqueezed.Squeeze(axis);
        Assert.Equal(shape, squeezed.Shape);
        AssertElements($"Squeeze({axis})", x, squeezed, i => i);
    }
}
