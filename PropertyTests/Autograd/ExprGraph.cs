// ExprGraph: a random computation DAG for the whole-graph gradient property. Every node has the
// same shape (N, N), so any node can feed any op: elementwise, matmul, transpose, softmax, and
// reduce-then-broadcast nodes that sum or average one input along an axis before combining.
// Arguments are drawn from all earlier nodes (recent ones more often), so sub-expressions are
// shared and a tensor is often used several times. The loss is sum(last node).
// It prints as a program (`t3 = mul(t1, t1)`) and shrinks by dropping nodes and leaves and by
// making N smaller, so a failure is reported as a small graph with its seed.

namespace MoeFromScratch.PropertyTests.Autograd;

public sealed record ExprNode(string Op, int[] Args);

public sealed record ExprGraph(int Seed, int N, int Leaves, ExprNode[] Nodes)
{
    // Name -> (arity, how to apply it). Scaled matmul keeps values from growing with depth.
    private static readonly Dictionary<string, (int Arity, Func<Variable[], Variable> Apply)> OpTable = new()
    {
        ["neg"] = (1, a => a[0].Neg()),
        ["tanh"] = (1, a => a[0].Tanh()),
        ["sigmoid"] = (1, a => a[0].Sigmoid()),
        ["sin"] = (1, a => a[0].Sin()),
        ["square"] = (1, a => a[0].Square()),
        ["silu"] = (1, a => a[0].Silu()),
        ["transpose"] = (1, a => a[0].MT),
        ["softmax"] = (1, a => a[0].Softmax(-1)),
        ["add"] = (2, a => a[0] + a[1]),
        ["sub"] = (2, a => a[0] - a[1]),
        ["mul"] = (2, a => a[0] * a[1]),
        ["matmul"] = (2, a => a[0].MatMul(a[1]) / a[0].Shape[1]),
        ["mul_colsum"] = (2, a => a[0] * a[1].Sum(0, keepDim: true)),   // (N, N) * (1, N): broadcast over rows
        ["add_rowmean"] = (2, a => a[0] + a[1].Mean(1, keepDim: true)), // (N, N) + (N, 1): broadcast over columns
    };

    public static readonly string[] OpNames = [.. OpTable.Keys];

    public static Arbitrary<ExprGraph> Arbitrary { get; } = Arb.From(Generator(), Shrink);

    private static Gen<ExprGraph> Generator() =>
        from seed in Gen.Choose(0, 1_000_000)
        from n in Gen.Choose(1, 3)
        from leaves in Gen.Choose(1, 3)
        from count in Gen.Choose(1, 8)
        from choices in Gen.Choose(0, 1_000_000).ArrayOf(3 * count)
        select Build(seed, n, leaves, choices);

    // Turns raw choices into nodes: an op, then arguments among the ids made so far.
    private static ExprGraph Build(int seed, int n, int leaves, int[] choices)
    {
        var nodes = new List<ExprNode>();
        for (int i = 0; i < choices.Length / 3; i++)
        {
            int available = leaves + i;
            string op = OpNames[choices[3 * i] % OpNames.Length];
            int Pick(int choice) => choice % 2 == 0 ? available - 1 - choice / 2 % Math.Min(3, available) : choice / 2 % available;
            var args = Enumerable.Range(0, OpTable[op].Arity).Select(k => Pick(choices[3 * i + 1 + k])).ToArray();
            nodes.Add(new ExprNode(op, args));
        }
        return new ExprGraph(seed, n, leaves, [.. nodes]);
    }

    /// <summary>The loss of the graph on these leaves: evaluates every node in order, then sum(last).</summary>
    public Variable Evaluate(Variable[] leaves)
    {
        var values = new List<Variable>(leaves);
        foreach (var node in Nodes)
            values.Add(OpTable[node.Op].Apply(node.Args.Select(a => values[a]).ToArray()));
        return values[^1].Sum();
    }

    /// <summary>Leaf values drawn from the seed (random layouts, as in the op catalogue).</summary>
    public Tensor[] MakeLeaves(IBackend backend)
    {
        var builder = new CaseBuilder(Seed, N, backend);
        return Enumerable.Range(0, Leaves).Select(_ => builder.Input(N, N)).ToArray();
    }

    // Smaller graphs that may still fail: without one node, without one leaf, with a smaller N.
    private static IEnumerable<ExprGraph> Shrink(ExprGraph g)
    {
        for (int i = g.Nodes.Length - 1; i >= 0 && g.Nodes.Length > 1; i--) yield return g.WithoutId(g.Leaves + i);
        for (int j = g.Leaves - 1; j >= 0 && g.Leaves > 1; j--) yield return g.WithoutId(j);
        if (g.N > 1) yield return g with { N = g.N - 1 };
    }

    // Removes the leaf or node `id`: its users take its first argument (or another leaf) instead.
    private ExprGraph WithoutId(int id)
    {
        bool isLeaf = id < Leaves;
        int replacement = isLeaf ? (id == 0 ? 1 : 0) : Nodes[id - Leaves].Args[0];
        int Remap(int a) => a == id ? Remap(replacement) : a > id ? a - 1 : a;
        var nodes = Nodes.Where((_, i) => Leaves + i != id).Select(node => node with { Args = node.Args.Select(Remap).ToArray() });
        return this with { Leaves = Leaves - (isLeaf ? 1 : 0), Nodes = [.. nodes] };
    }

    public override string ToString()
    {
        var lines = new List<string> { $"seed {Seed}: leaves {string.Join(", ", Enumerable.Range(0, Leaves).Select(i => $"t{i}"))} of shape ({N}, {N})" };
        for (int i = 0; i < Nodes.Length; i++)
            lines.Add($"t{Leaves + i} = {Nodes[i].Op}({string.Join(", ", Nodes[i].Args.Select(a => $"t{a}"))})");
        lines.Add($"loss = sum(t{Leaves + Nodes.Length - 1})");
        return string.Join(Environment.NewLine, lines);
    }
}
