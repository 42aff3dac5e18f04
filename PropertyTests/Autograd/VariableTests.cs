// The engine's contract, one behaviour per test: accumulation across Backward calls, ZeroGrad,
// Detach, NoGrad, the freed-graph error, the non-scalar-without-seed error, seeds, and that a
// graph lets go of what it saved.

namespace MoeFromScratch.PropertyTests.Autograd;

public class VariableTests
{
    private static Variable Leaf(params double[] values) =>
        new(Tensor.FromArray(values, [values.Length], Float64Backend.Instance), requiresGrad: true);

    [Fact]
    public void Backward_of_x_times_x_is_2x()
    {
        var x = Leaf(1, -2, 3);
        (x * x).Sum().Backward();
        Assert.Equal([2.0, -4, 6], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Gradients_accumulate_across_two_backward_calls()
    {
        var x = Leaf(1, 2);
        (x * 3).Sum().Backward();
        (x * 3).Sum().Backward();
        Assert.Equal([6.0, 6], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void A_leaf_used_twice_gets_both_contributions()
    {
        var x = Leaf(2);
        var y = x * x + x; // dy/dx = 2x + 1
        y.Sum().Backward();
        Assert.Equal([5.0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ZeroGrad_resets_to_zero_in_place()
    {
        var x = Leaf(1, 2);
        (x * x).Sum().Backward();
        var buffer = x.Grad;
        x.ZeroGrad();
        Assert.Same(buffer, x.Grad);
        Assert.Equal([0.0, 0], x.Grad!.ToDoubleArray());
    }

    /// <summary>ZeroGrad defers its fill: the next Backward writes the gradient over the stale bytes, a second one adds.</summary>
    [Fact]
    public void Backward_after_ZeroGrad_writes_the_first_gradient_then_adds()
    {
        var x = Leaf(1, 2);
        (x * x).Sum().Backward();                // Grad = 2x = (2, 4)
        x.ZeroGrad();                            // not read: the (2, 4) bytes stay until Backward writes
        (x * 3).Sum().Backward();
        Assert.Equal([3.0, 3], x.Grad!.ToDoubleArray());
        (x * x).Sum().Backward();
        Assert.Equal([5.0, 7], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void A_new_leaf_reads_zero_gradient_and_its_first_Backward_writes()
    {
        var x = Leaf(1, 2);
        Assert.Equal([0.0, 0], x.Grad!.ToDoubleArray());
        var y = Leaf(4, 5);
        (y * 2).Sum().Backward();
        Assert.Equal([2.0, 2], y.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Detach_cuts_the_graph_but_shares_the_data()
    {
        var x = Leaf(1, 2);
        var d = (x * 2).Detach();
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        var y = (x * d).Sum(); // d is a constant here: dy/dx = d = 2x
        y.Backward();
        Assert.Equal([2.0, 4], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void NoGrad_records_nothing_and_restores_the_mode()
    {
        var x = Leaf(1, 2);
        Variable y;
        using (Grad.NoGrad())
        {
            Assert.False(Grad.IsEnabled);
            y = x * x;
        }
        Assert.True(Grad.IsEnabled);
        Assert.False(y.RequiresGrad);
        Assert.Null(y.Node);
        var error = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("does not require grad", error.Message);
    }

    [Fact]
    public void Inputs_that_need_no_gradient_are_skipped()
    {
        var x = Leaf(1, 2);
        var c = new Variable(Tensor.FromArray(new[] { 3.0, 4 }, [2], Float64Backend.Instance));
        (x * c).Sum().Backward();
        Assert.Null(c.Grad);
        Assert.Equal([3.0, 4], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Backward_twice_through_a_freed_graph_names_the_op()
    {
        var x = Leaf(1, 2);
        var y = (x * x).Sum();
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("Sum (2)", error.Message);
        Assert.Contains("retainGraph", error.Message);
        Assert.Equal([2.0, 4], x.Grad!.ToDoubleArray()); // the failed call added nothing
    }

    [Fact]
    public void RetainGraph_allows_a_second_backward()
    {
        var x = Leaf(1, 2);
        var y = (x * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal([4.0, 8], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Backward_from_a_non_scalar_needs_a_seed()
    {
        var x = Leaf(1, 2);
        var y = x * x;
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("Mul", error.Message);
        Assert.Contains("(2)", error.Message);
        Assert.Contains("seed", error.Message);
    }

    [Fact]
    public void A_seed_weights_the_outputs_and_must_match_their_shape()
    {
        var x = Leaf(1, 2);
        var y = x * x;
        var bad = Assert.Throws<ShapeException>(() => y.Backward(Tensor.FromArray(new[] { 1.0, 1, 1 }, [3], Float64Backend.Instance)));
        Assert.Contains("(3)", bad.Message);
        Assert.Contains("(2)", bad.Message);
        y.Backward(Tensor.FromArray(new[] { 10.0, 100 }, [2], Float64Backend.Instance));
        Assert.Equal([20.0, 400], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Freeing_the_graph_releases_saved_tensors_even_after_the_forward_disposed_its_temporaries()
    {
        var x = Leaf(1, 2);
        var h = x.Exp();
        var node = h.Node!;
        var y = h.Sum();
        h.Dispose(); // the node keeps its own alias of h's data
        y.Backward();
        Assert.True(node.IsFreed);
        Assert.True(node.Y.IsDisposed);
        Assert.True(node.Y.Storage.IsReleased);
        var grad = x.Grad!.ToDoubleArray(); // d Σexp(x) = exp(x), to the last few bits of a vectorised exp
        Assert.Equal(Math.Exp(1), grad[0], 1e-14);
        Assert.Equal(Math.Exp(2), grad[1], 1e-14);
    }

    [Fact]
    public void Comparisons_and_argmax_carry_no_gradient()
    {
        var x = Leaf(1, 3, 2);
        Assert.False(x.Gt(0).RequiresGrad);
        Assert.Equal(1, x.Reshape(1, 3).ArgMax(1).ToArray<int>()[0]);
        var (values, indices) = x.TopK(2);
        Assert.True(values.RequiresGrad);
        Assert.Equal(DType.Int32, indices.DType);
    }
}
