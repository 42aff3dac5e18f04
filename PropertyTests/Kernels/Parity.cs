// Parity: the comparison at the end of every kernel property, and its failure report.
// |actual − expected| ≤ rtol · scale, elementwise, where scale is what the op's rounding error
// grows with: |expected| for an elementwise result, Σ|terms| for a sum or a dot product (so a
// cancelling sum is not held to a relative error it cannot meet). rtol = 0 asks for exact equality;
// atol is a floor for float32 results, whose subnormals a device may flush to zero.
// The report names the op and the operands, the first differing elements with their multi-index,
// and the max abs and rel error; FsCheck adds the shrunk arguments and the replay seed.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.PropertyTests.Kernels;

public static class Parity
{
    private const int ShownMismatches = 6;

    public static void AssertClose(string op, string context, int[] shape, double[] actual, double[] expected, double[]? scale, double rtol, double atol = 0)
    {
        if (actual.Length != expected.Length)
            Assert.Fail($"{op}: {actual.Length} elements, expected {expected.Length} ({context})");
        var mismatches = new List<string>();
        int count = 0;
        double maxAbs = 0, maxRel = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i], e = expected[i];
            bool same = a.Equals(e);                        // also NaN == NaN and ∞ == ∞
            double abs = same ? 0 : Math.Abs(a - e);
            double rel = abs / Math.Max(Math.Abs(e), double.Epsilon);
            if (!double.IsNaN(abs)) { maxAbs = Math.Max(maxAbs, abs); maxRel = Math.Max(maxRel, rel); }
            double allowed = Math.Max(rtol * (scale?[i] ?? Math.Abs(e)), atol);
            if (same || abs <= allowed) continue;
            count++;
            if (mismatches.Count < ShownMismatches)
                mismatches.Add($"  at {Shape.Format(Unflatten(i, shape))}: actual {a:R}, expected {e:R}, |diff| {abs:G3}, allowed {allowed:G3}");
        }
        if (count > 0)
            Assert.Fail($"{op} {Shape.Format(shape)}: {count} of {actual.Length} elements differ; "
                + $"max abs error {maxAbs:G3}, max rel error {maxRel:G3} (rtol {rtol:G3})\n  inputs: {context}\n"
                + string.Join("\n", mismatches));
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
