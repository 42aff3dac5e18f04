// Reductions on Vulkan against host loops in double, on both of reduce.comp's paths: short rows
// (up to 32 columns, one invocation per row) and long rows (one workgroup per row, a shared-memory
// tree). The parity suite draws axes of at most 6 on this slow device, so without this file the
// long-row path would only be met inside whole-model tests. Each case reduces every axis of a
// (possibly transposed) 3-D view, so the row walk over coalesced strides is exercised too.
using MoeFromScratch.Tensors;

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
    public void Sum_max_min_and_argmax_along_every_axis_match_host_loops(int length, bool transposed)
    {
        int[] shape = [3, length, 5];
        var data = ElementwiseTests.Values(3 * length * 5, length);
        data[7] = data[9]; // a tie, so argmax's lower-index rule is checked where it can bite
        using var stored = Tensor.FromArray(data, transposed ? [5, length, 3] : shape, Gpu);
        using var x = transposed ? stored.Permute([2, 1, 0]) : stored.Alias(); // (3, length, 5) either way
        double At(int a, int b, int c) => transposed ? data[(c * length + b) * 3 + a] : data[(a * length + b) * 5 + c];

        for (int axis = 0; axis < 3; axis++)
        {
            var sum = new List<double>();
            var max = new List<double>();
            var min = new List<double>();
            var argmax = new List<double>();
            int[] other = [.. Enumerable.Range(0, 3).Where(d => d != axis)];
            for (int i = 0; i < shape[other[0]]; i++)
                for (int j = 0; j < shape[other[1]]; j++)
                {
                    var row = Enumerable.Range(0, shape[axis]).Select(k =>
                    {
                        int[] at = new int[3];
                        (at[other[0]], at[other[1]], at[axis]) = (i, j, k);
                        return At(at[0], at[1], at[2]);
                    }).ToArray();
                    sum.Add(row.Sum());
                    max.Add(row.Max());
                    min.Add(row.Min());
                    argmax.Add(Array.IndexOf(row, row.Max()));                         // the first of equal maxima
                }
            string where = $"length {length}, axis {axis}, transposed {transposed}";
            using var s = x.Sum(axis);
            using var hi = x.Max(axis);
            using var lo = x.Min(axis);
            using var am = x.ArgMax(axis);
            ArrayAssert.Close(Doubles(s), [.. sum], new(1e-5, 1e-4), $"sum ({where})");
            ArrayAssert.Close(Doubles(hi), [.. max], Tolerance.Exact, $"max ({where})");
            ArrayAssert.Close(Doubles(lo), [.. min], Tolerance.Exact, $"min ({where})");
            ArrayAssert.Close([.. am.ToArray<int>().Select(v => (double)v)], [.. argmax], Tolerance.Exact, $"argmax ({where})");
        }
    }

    private static double[] Doubles(Tensor t) => [.. t.ToArray<float>().Select(v => (double)v)];
}
