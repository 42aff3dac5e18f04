// Reductions through the Tensor API against LINQ over the host elements: sum, mean, max, min and
// argmax over any set of axes, with and without keepDim.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class ReductionTests
{
    [Property(MaxTest = 80)]
    public void ReductionsMatchLinq(int[] dims, int axesMask, bool keepDim, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 4, allowEmpty: false);
        var axes = Enumerable.Range(0, shape.Length).Where(a => (axesMask >> a & 1) == 1).ToArray();
        var x = Rand(shape, seed, -5, 5);
        double[] host = x.ToDoubleArray();

        // Group the host elements by their index on the kept axes: one group per output element.
        var kept = Enumerable.Range(0, shape.Length).Where(a => !axes.Contains(a)).ToArray();
        var keptShape = kept.Select(a => shape[a]).ToArray();
        var groups = StridedIndex.Over(shape)
            .Select(i => (Key: Flat([.. kept.Select(a => i[a])], keptShape), Value: host[Flat(i, shape)]))
            .GroupBy(e => e.Key, e => e.Value)
            .OrderBy(g => g.Key)
            .ToArray();

        var expectedShape = keepDim ? shape.Select((d, a) => axes.Contains(a) ? 1 : d).ToArray() : keptShape;
        foreach (var (name, result, oracle) in new (string, Tensor, Func<IEnumerable<double>, double>)[]
        {
            ("Sum", x.Sum(axes, keepDim), g => g.Sum()),
            ("Mean", x.Mean(axes, keepDim), g => g.Average()),
            ("Max", x.Reduce(ReduceOp.Max, axes, keepDim), g => g.Max()),
            ("Min", x.Reduce(ReduceOp.Min, axes, keepDim), g => g.Min()),
        })
        {
            Assert.Equal(expectedShape, result.Shape);
            ArrayAssert.Close(result.ToDoubleArray(), [.. groups.Select(g => oracle(g))], Tolerance.Absolute(1e-12), $"{name} over axes {Shape.Format(axes)} of {Shape.Format(shape)}");
        }
    }

    [Property(MaxTest = 60)]
    public void ArgMaxIsTheFirstMaximum(int[] dims, int axisSeed, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, maxRank: 3, allowEmpty: false);
        if (shape.Length == 0) return;
        int axis = Size(axisSeed, shape.Length - 1);
        var x = Rand(shape, seed, -2, 2, integers: true);             // ties are common
        var argmax = x.ArgMax(axis).ToArray<int>();
        double[] host = x.ToDoubleArray();
        var outer = shape.Where((_, a) => a != axis).ToArray();
        foreach (var i in StridedIndex.Over(outer))
        {
            var along = Enumerable.Range(0, shape[axis]).Select(j => host[Flat([.. i[..axis], j, .. i[axis..]], shape)]).ToList();
            Assert.Equal(along.IndexOf(along.Max()), argmax[Flat(i, outer)]);
        }
    }
}
