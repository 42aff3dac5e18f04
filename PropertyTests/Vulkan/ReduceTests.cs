// Reductions on Vulkan against ReferenceBackend in float64, on both of reduce.comp's paths: short
// rows (up to 32 columns, one invocation per row) and long rows (one workgroup per row, a
// shared-memory tree). The parity suite draws axes of at most 6 on this slow device, so without
// this file the long-row path would only be met inside whole-model tests. Each case reduces every
// axis of a (possibly transposed) 3-D view, so the row walk over coalesced strides is exercised too.

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class ReduceTests
{
    private static IBackend Gpu => VulkanTestDevice.Backend;

    public static TheoryData<int, bool> Lengths => new()
    {
        { 4, false }, { 32, true },     // short rows (at the threshold)
        { 33, false }, { 300, true },   // long rows (just past it, and past the workgroup size)
    };

    [VulkanTheory, MemberData(nameof(Lengths))]
    public void Sum_max_min_and_argmax_along_every_axis_match_the_reference(int length, bool transposed)
    {
        int[] shape = [3, length, 5];
        var data = ElementwiseTests.Values(3 * length * 5, length);
        data[7] = data[9]; // a tie, so argmax's lower-index rule is checked where it can bite
        int[] storedShape = transposed ? [5, length, 3] : shape;
        using var stored = Tensor.FromArray(data, storedShape, Gpu);
        using var x = transposed ? stored.Permute([2, 1, 0]) : stored.Alias(); // (3, length, 5) either way
        Tensor OnReference() => transposed                                       // the same view on the reference
            ? ReferenceOracle.Float64(data, storedShape).Permute([2, 1, 0])
            : ReferenceOracle.Float64(data, storedShape);

        for (int axis = 0; axis < 3; axis++)
        {
            string where = $"length {length}, axis {axis}, transposed {transposed}";
            using var s = x.Sum(axis);
            using var hi = x.Max(axis);
            using var lo = x.Min(axis);
            using var am = x.ArgMax(axis);
            ArrayAssert.Close(Doubles(s), ReferenceOracle.Values(() => OnReference().Sum(axis)), new(1e-5, 1e-4), $"sum ({where})");
            ArrayAssert.Close(Doubles(hi), ReferenceOracle.Values(() => OnReference().Max(axis)), Tolerance.Exact, $"max ({where})");
            ArrayAssert.Close(Doubles(lo), ReferenceOracle.Values(() => OnReference().Min(axis)), Tolerance.Exact, $"min ({where})");
            ArrayAssert.Close([.. am.ToArray<int>().Select(v => (double)v)], ReferenceOracle.Values(() => OnReference().ArgMax(axis)),
                Tolerance.Exact, $"argmax ({where}; ties go to the lower index)");
        }
    }

    private static double[] Doubles(Tensor t) => [.. t.ToArray<float>().Select(v => (double)v)];
}
