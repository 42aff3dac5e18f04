// Whole-graph gradients: random DAGs over the op set (ExprGraph), shared sub-expressions and
// tensors used several times included, reduced to a scalar; the gradient with respect to every
// leaf is checked by finite differences. This is what catches accumulation bugs that single-op
// checks cannot: a node reached along two paths must receive the sum of both contributions.

namespace MoeFromScratch.PropertyTests.Autograd;

public class RandomGraphProperties
{
    [Fact]
    public void Gradient_of_a_random_graph_matches_finite_differences()
    {
        var property = Prop.ForAll(ExprGraph.Arbitrary, graph =>
        {
            using var scope = new MoeFromScratch.Tensors.TensorScope();
            var result = GradCheck.Check(graph.Evaluate, graph.MakeLeaves(Float64Backend.Instance));
            if (!result.Passed)
                throw new Xunit.Sdk.XunitException($"{result.Message}{Environment.NewLine}{graph}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true), property);
    }

    [Fact]
    public void Graph_prints_as_a_program()
    {
        var graph = new ExprGraph(7, 2, 2, [new("mul", [1, 1]), new("add", [2, 0])]);
        Assert.Equal(
            string.Join(Environment.NewLine, "seed 7: leaves t0, t1 of shape (2, 2)", "t2 = mul(t1, t1)", "t3 = add(t2, t0)", "loss = sum(t3)"),
            graph.ToString());
    }
}
