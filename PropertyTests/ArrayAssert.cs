// ArrayAssert: the one comparison of an actual array with an expected one that every test uses,
// and its failure report (llm.c's check_tensor, numpy's allclose).
//
// Rule, elementwise:  |actual − expected| ≤ atol + rtol · scale
//   scale is |expected| unless the caller passes one per element: Σ|terms| for a sum or a dot
//   product (a cancelling sum cannot meet a relative error on its result), max(1, |expected|) for
//   hand-worked values, and so on. rtol = atol = 0 asks for equality.
// NaN and infinities: an element equal to its expected value passes; an expected NaN is matched
//   only by an actual NaN and an expected ∞ only by the same ∞ (not by a large finite value that
//   an infinite bound would admit); an actual NaN where a number is expected is a failure.
// The report names what was compared, how to replay it (the FsCheck replay seed or the generator's
// seed and inputs, as the caller gives it), the first differing elements with their multi-index,
// actual, expected and allowed difference, and the max abs and max rel error.
// Not here: choosing tolerances (each test picks them per op and dtype) or producing the values.
using TensorShape = MoeFromScratch.Tensors.Shape;

namespace MoeFromScratch.PropertyTests;

/// <summary>atol + rtol · scale; Exact is equality.</summary>
public readonly record struct Tolerance(double Atol, double Rtol)
{
    public static readonly Tolerance Exact = new(0, 0);

    public static Tolerance Absolute(double atol) => new(atol, 0);

    public static Tolerance Relative(double rtol) => new(0, rtol);

    public override string ToString() => $"atol {Atol:G3}, rtol {Rtol:G3}";
}

/// <summary>Outcome of one comparison; ToString is the OK line or the full failure report.</summary>
public sealed record Comparison(string Label, int[] Shape, long Count, double MaxAbs, double MaxRel, int Mismatches,
    IReadOnlyList<string> First, Tolerance Tolerance, string? Replay)
{
    public bool Ok => Mismatches == 0;

    public override string ToString() =>
        $"{(Ok ? "OK    " : "NOT OK")} {Label} {TensorShape.Format(Shape)}: max abs err {MaxAbs:0.0e+0}, max rel err {MaxRel:0.0e+0}"
        + (Ok ? "" : $"; {Mismatches} of {Count} elements differ ({Tolerance})"
            + (Replay is null ? "" : $"\n  replay: {Replay}")
            + "\n  " + string.Join("\n  ", First));
}

public static class ArrayAssert
{
    private const int ShownMismatches = 6;

    /// <summary>
    /// Fails the test with the comparison's report unless every element of actual is within
    /// tolerance of expected (see the file header for the rule). shape (row-major, defaults to
    /// flat) only labels the indices; scale replaces |expected| per element.
    /// </summary>
    public static Comparison Close(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, Tolerance tolerance, string label,
        string? replay = null, int[]? shape = null, double[]? scale = null)
    {
        var result = Check(actual, expected, tolerance, label, replay, shape, scale);
        if (!result.Ok) Assert.Fail(result.ToString());
        return result;
    }

    /// <summary>Close without failing: the comparison, for a test that reports several before failing.</summary>
    public static Comparison Check(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, Tolerance tolerance, string label,
        string? replay = null, int[]? shape = null, double[]? scale = null)
    {
        shape ??= [expected.Length];
        if (actual.Length != expected.Length || expected.Length != TensorShape.Numel(shape) || (scale is not null && scale.Length != expected.Length))
            return new Comparison(label, shape, expected.Length, double.NaN, double.NaN, Math.Max(actual.Length, expected.Length),
                [$"actual has {actual.Length} elements, expected {expected.Length}, shape {TensorShape.Format(shape)}"
                    + (scale is null ? "" : $", scale {scale.Length}")], tolerance, replay);
        double maxAbs = 0, maxRel = 0;
        int mismatches = 0;
        var first = new List<string>();
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual[i], e = expected[i];
            bool same = a.Equals(e);                                    // NaN.Equals(NaN) and ∞ == ∞
            double abs = same ? 0 : Math.Abs(a - e);
            double rel = abs == 0 ? 0 : abs / Math.Abs(e);
            if (double.IsNaN(abs)) abs = rel = double.PositiveInfinity;
            maxAbs = Math.Max(maxAbs, abs);
            maxRel = Math.Max(maxRel, rel);
            double allowed = tolerance.Atol + tolerance.Rtol * (scale?[i] ?? Math.Abs(e));
            if (same || (double.IsFinite(e) && abs <= allowed)) continue;   // a non-finite expected value wants itself
            if (mismatches++ < ShownMismatches)
                first.Add($"at {TensorShape.Format(Unflatten(i, shape))}: actual {a:R}, expected {e:R}, |diff| {abs:G3}, allowed {allowed:G3}");
        }
        return new Comparison(label, shape, expected.Length, maxAbs, maxRel, mismatches, first, tolerance, replay);
    }

    /// <summary>Row-major flat position i as a multi-index of shape.</summary>
    public static int[] Unflatten(long i, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 0) continue;
            index[d] = (int)(i % shape[d]);
            i /= shape[d];
        }
        return index;
    }
}
