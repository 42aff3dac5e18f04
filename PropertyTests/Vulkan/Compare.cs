// Compare: asserts a device result against expected values, printing the first differing
// elements with their indices and the max absolute and relative error.
namespace MoeFromScratch.PropertyTests.Vulkan;

internal static class Compare
{
    public static void Close(string what, double[] expected, double[] actual, double atol = 1e-5, double rtol = 1e-4)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} elements, expected {expected.Length}");
        var bad = new List<string>();
        double maxAbs = 0, maxRel = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            double abs = Math.Abs(e - a), rel = abs / Math.Max(Math.Abs(e), 1e-30);
            maxAbs = Math.Max(maxAbs, abs);
            maxRel = Math.Max(maxRel, Math.Min(rel, abs));
            if (!(abs <= atol + rtol * Math.Abs(e)) && bad.Count < 8) bad.Add($"[{i}] expected {e:R}, got {a:R}");
        }
        Assert.True(bad.Count == 0, $"{what}: max abs error {maxAbs:G3}, max rel error {maxRel:G3}; first mismatches:\n  " + string.Join("\n  ", bad));
    }
}
