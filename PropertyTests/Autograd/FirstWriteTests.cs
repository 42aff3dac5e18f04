// Gradients written on first accumulation (issue 17, "fewer passes"): a weight that one node alone
// feeds and whose Grad holds nothing yet gets its gradient written straight into Grad by the
// matmul's backward (Node.Destination), with no temporary and no copy. The rule's edges: a second
// Backward without ZeroGrad adds, a weight fed by two nodes sums both, and the values equal the
// gradient the copying path gives (the explicit product). The Vulkan test counts the copies.
namespace MoeFromScratch.PropertyTests.Autograd;

public sealed class FirstWriteTests
{
    private static double[] Product(double[] x, double[] dy, int rows, int p, int n)   // xᵀ @ dy, (p, n)
    {
        var r = new double[p * n];
        for (int i = 0; i < rows; i++)
            for (int a = 0; a < p; a++)
                for (int b = 0; b < n; b++) r[a * n + b] += x[i * p + a] * dy[i * n + b];
        return r;
    }

    [Fact]
    public void A_weight_fed_once_gets_its_gradient_and_a_second_backward_adds_to_it()
    {
        using var scope = new TensorScope();
        var x = Tensor.RandN([2, 3, 4], seed: 1, dtype: DType.Float64);
        var w = new Parameter(Tensor.RandN([4, 5], seed: 2, dtype: DType.Float64));
        var y = new Variable(x).MatMul(w);
        y.Sum().Backward(retainGraph: true);
        var once = Product(x.ToDoubleArray(), Enumerable.Repeat(1.0, 30).ToArray(), 6, 4, 5);
        ArrayAssert.Close(w.Grad!.ToDoubleArray(), once, new Tolerance(1e-12, 1e-12), "first write");
        y.Sum().Backward();
        ArrayAssert.Close(w.Grad!.ToDoubleArray(), once.Select(v => 2 * v).ToArray(), new Tolerance(1e-12, 1e-12), "second backward adds");
    }

    [Fact]
    public void A_weight_fed_by_two_nodes_sums_both()
    {
        using var scope = new TensorScope();
        var a = Tensor.RandN([3, 4], seed: 3, dtype: DType.Float64);
        var b = Tensor.RandN([3, 4], seed: 4, dtype: DType.Float64);
        var w = new Parameter(Tensor.RandN([4, 2], seed: 5, dtype: DType.Float64));
        (new Variable(a).MatMul(w).Sum() + new Variable(b).MatMul(w).Sum()).Backward();
        var ones = Enumerable.Repeat(1.0, 6).ToArray();
        var expected = Product(a.ToDoubleArray(), ones, 3, 4, 2).Zip(Product(b.ToDoubleArray(), ones, 3, 4, 2), (p, q) => p + q).ToArray();
        ArrayAssert.Close(w.Grad!.ToDoubleArray(), expected, new Tolerance(1e-12, 1e-12), "two edges");
    }
}
