// GoldenCompare: one tensor against its golden values, as llm.c's test_gpt2.c check_tensor does it:
// every element must satisfy |got - want| <= atol + rtol·|want|; the result carries the max abs and
// max rel error and, on failure, the first mismatching elements with their multi-indices, so a
// failing parity test says where and by how much, not just "not equal".
// Not here: tolerances (the test that compares picks them per dtype) or loading (GoldenFile.cs).
using TensorShape = MoeFromScratch.Tensors.Shape;

namespace MoeFromScratch.PropertyTests.Golden;

public static class GoldenCompare
{
    /// <summary>Outcome of one comparison; ToString is the line a test prints (OK or NOT OK with details).</summary>
    public sealed record Result(string Name, int[] Shape, double MaxAbs, double MaxRel, int Mismatches, IReadOnlyList<string> First)
    {
        public bool Ok => Mismatches == 0;

        public override string ToString() =>
            $"{(Ok ? "OK    " : "NOT OK")} {Name} {TensorShape.Format(Shape)}: max abs err {MaxAbs:0.0e+0}, max rel err {MaxRel:0.0e+0}"
            + (Ok ? "" : $"; {Mismatches} of {TensorShape.Numel(Shape)} elements differ, first: {string.Join("; ", First)}");
    }

    /// <summary>
    /// Compares got with want (both row-major over shape). Relative error is |got - want| / |want|
    /// (infinite where want is 0 and got is not); NaN anywhere in got counts as a mismatch.
    /// </summary>
    public static Result Check(string name, ReadOnlySpan<double> got, ReadOnlySpan<double> want, int[] shape,
        double atol, double rtol, int show = 5)
    {
        if (got.Length != want.Length || want.Length != TensorShape.Numel(shape))
            return new Result(name, shape, double.NaN, double.NaN, Math.Max(got.Length, want.Length),
                [$"got {got.Length} elements, want {want.Length} for shape {TensorShape.Format(shape)}"]);
        double maxAbs = 0, maxRel = 0;
        int mismatches = 0;
        var first = new List<string>();
        for (int i = 0; i < want.Length; i++)
        {
            double abs = Math.Abs(got[i] - want[i]);
            double rel = abs == 0 ? 0 : abs / Math.Abs(want[i]);
            if (double.IsNaN(abs)) abs = rel = double.PositiveInfinity;
            maxAbs = Math.Max(maxAbs, abs);
            maxRel = Math.Max(maxRel, rel);
            if (abs <= atol + rtol * Math.Abs(want[i])) continue;
            if (mismatches++ < show)
                first.Add($"[{string.Join(",", Index(i, shape))}] got {got[i]:R} want {want[i]:R}");
        }
        return new Result(name, shape, maxAbs, maxRel, mismatches, first);
    }

    /// <summary>Check, then fail the test with the result's line if any element is out of tolerance.</summary>
    public static Result Assert(string name, ReadOnlySpan<double> got, ReadOnlySpan<double> want, int[] shape, double atol, double rtol)
    {
        var result = Check(name, got, want, shape, atol, rtol);
        Xunit.Assert.True(result.Ok, result.ToString());
        return result;
    }

    // Flat row-major offset -> multi-index.
    private static int[] Index(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }
        return index;
    }
}
