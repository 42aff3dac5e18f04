// Invariants of softmax and top-k through the Tensor API, which hold whatever the kernel's inner
// workings: softmax rows are positive and sum to 1 along the chosen axis, exp(log-softmax) is
// softmax; top-k values are sorted descending, equal x gathered at the indices, dominate every
// element left out, and equal values keep the lower index first.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class SoftmaxTopKTests
{
    [Property(MaxTest = 60)]
    public void SoftmaxRowsArePositiveAndSumToOne(int[] dims, int axisSeed, bool large, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 3, allowEmpty: false);
        if (shape.Length == 0) return;
        int axis = Size(axisSeed, shape.Length - 1);
        var x = Rand(shape, seed, large ? -500 : -3, large ? 500 : 3);       // ±500: exp overflows without the max shift
        var p = x.Softmax(axis);
        Assert.All(p.ToDoubleArray(), v => Assert.InRange(v, 0, 1));
        using var sums = p.Sum(axis);
        ArrayAssert.Close(sums.ToDoubleArray(), [.. Enumerable.Repeat(1.0, (int)sums.Numel)], Tolerance.Absolute(1e-12), $"Softmax({axis}) row sums");
        using var logP = x.LogSoftmax(axis);
        using var expLogP = logP.Exp();
        ArrayAssert.Close(expLogP.ToDoubleArray(), p.ToDoubleArray(), Tolerance.Absolute(1e-12), $"exp(LogSoftmax({axis}))");
    }

    [Property(MaxTest = 80)]
    public void TopKInvariants(int[] dims, int kSeed, bool ties, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 3);
        if (shape.Length == 0) return;
        int C = shape[^1], k = Size(kSeed, C);
        var x = Rand(shape, seed, -3, 3, integers: ties);
        var (values, indices) = x.TopK(k);
        var gathered = x.Gather(-1, indices);
        ArrayAssert.Close(values.ToDoubleArray(), gathered.ToDoubleArray(), Tolerance.Exact, "values == x.gather(-1, indices)");

        double[] hostX = x.ToDoubleArray(), hostValues = values.ToDoubleArray();
        int[] hostIndices = indices.ToArray<int>();
        for (long row = 0; row < x.Numel / Math.Max(C, 1) && C > 0; row++)
        {
            var selected = hostIndices.AsSpan((int)(row * k), k).ToArray();
            var rowValues = hostValues.AsSpan((int)(row * k), k).ToArray();
            for (int r = 1; r < k; r++)
            {
                Assert.True(rowValues[r - 1] >= rowValues[r], $"row {row}: values not sorted descending at rank {r}");
                if (rowValues[r - 1] == rowValues[r])
                    Assert.True(selected[r - 1] < selected[r], $"row {row}: equal values at ranks {r - 1}, {r} not in index order");
            }
            Assert.Equal(k, selected.Distinct().Count());
            for (int c = 0; c < C; c++)
            {
                if (selected.Contains(c) || k == 0) continue;
                double left = hostX[row * C + c];
                Assert.True(rowValues[^1] >= left, $"row {row}: left-out x[{c}] = {left} beats the selected {rowValues[^1]}");
                if (rowValues[^1] == left)   // a tie at the cut: the lower index must be the one selected
                    Assert.True(selected[^1] < c, $"row {row}: tie at the cut kept index {selected[^1]} over lower {c}");
            }
        }
    }
}
