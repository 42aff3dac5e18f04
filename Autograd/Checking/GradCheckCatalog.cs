// GradCheckCatalog: every differentiable op with a generator of small random inputs, so the
// property tests and `moe gradcheck [--op NAME]` iterate the same list. Each entry builds inputs
// from a CaseBuilder (seed, size) and says how to apply the op to Variables; int32 inputs are
// constants (indices, targets, offsets), so a case runs unchanged on another backend.
// Inputs keep clear of kinks (|x| > 0.2 for abs/relu, x > 0.5 for log/sqrt) where the finite
// difference itself would be wrong. Not here: the non-differentiable ops (comparisons, ArgMax,
// TopK indices), which have no gradient to check.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

/// <summary>One generated case: the inputs and the function of them whose gradient is checked.</summary>
public sealed record GradCheckCase(Tensor[] Inputs, Func<Variable[], Variable> Function);

/// <summary>What `moe gradcheck` prints per op: the shapes tried, the worst relative error, pass/fail.</summary>
public sealed record OpCheckReport(string Op, IReadOnlyList<string> ShapesTried, double MaxRelativeError, bool Passed, string? Failure);

public sealed record GradCheckOp(string Name, Func<CaseBuilder, GradCheckCase> Make)
{
    /// <summary>
    /// Generates the case for (seed, size) on the float64 backend (default: the CPU) and checks it
    /// there, or with the analytic side on analyticBackend in float32.
    /// </summary>
    public GradCheckResult Check(int seed, int size, IBackend? analyticBackend = null, GradCheckOptions? options = null, IBackend? float64Backend = null)
    {
        using var scope = new TensorScope();
        var builder = new CaseBuilder(seed, size, float64Backend);
        var c = Make(builder);
        var result = analyticBackend is null
            ? GradCheck.Check(c.Function, c.Inputs, options)
            : GradCheck.CheckOn(analyticBackend, DType.Float32, c.Function, c.Inputs, options);
        return result with { Op = Name, Inputs = $"{result.Inputs}{(builder.Notes.Length > 0 ? "; " + builder.Notes : "")} (seed {seed}, size {size})" };
    }
}

public static partial class GradCheckCatalog
{
    public static GradCheckOp Find(string name) =>
        Ops.FirstOrDefault(op => op.Name == name)
        ?? throw new UsageException($"--op: no op named '{name}'; known: {string.Join(", ", Ops.Select(op => op.Name))}");

    /// <summary>Checks one op over `cases` generated cases of growing size.</summary>
    public static OpCheckReport Run(string name, int cases = 3, int seed = 0, IBackend? analyticBackend = null, IBackend? float64Backend = null)
    {
        var op = Find(name);
        var shapes = new List<string>();
        double maxRelative = 0;
        string? failure = null;
        for (int i = 0; i < cases; i++)
        {
            var result = op.Check(seed + i, size: 2 + i, analyticBackend, float64Backend: float64Backend);
            shapes.Add(result.Inputs);
            maxRelative = Math.Max(maxRelative, result.MaxRelativeError);
            if (!result.Passed) failure ??= result.Message;
        }
        return new OpCheckReport(name, shapes, maxRelative, failure is null, failure);
    }

    public static IReadOnlyList<OpCheckReport> RunAll(int cases = 3, int seed = 0, IBackend? analyticBackend = null, IBackend? float64Backend = null) =>
        Ops.Select(op => Run(op.Name, cases, seed, analyticBackend, float64Backend)).ToArray();
}
