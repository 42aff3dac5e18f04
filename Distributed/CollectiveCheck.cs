// CollectiveCheck: every collective of ICommunicator run once with values whose result names the
// ranks that took part — all-reduce sums of 2^rank (a missing or doubled rank shows as a wrong bit),
// a max of the ranks, an all-gather of (rank, 10·rank), an all-to-all-v whose block sizes
// (s + 2d) mod 3 include empty blocks and whose values s·1000 + d·10 + i say who sent what to whom.
// What `moe world` runs to show that a launcher, a library and this binding work together.
namespace MoeFromScratch.Distributed;

public static class CollectiveCheck
{
    /// <summary>This rank's failures (empty when every collective gave the expected result), plus the 2^rank sum it saw.</summary>
    public static (IReadOnlyList<string> Failures, double PowerSum) Run(ICommunicator world)
    {
        var failures = new List<string>();
        int p = world.Size, r = world.Rank;
        double expectedPowers = Math.Pow(2, p) - 1;   // Σ_r 2^r: bit r set ⇔ rank r was summed once

        Span<float> floats = [MathF.Pow(2, r), -0.5f * MathF.Pow(2, r)];
        world.AllReduce(floats, AllReduceOp.Sum);
        Expect(failures, "all-reduce sum (float)", floats[0] == expectedPowers && floats[1] == -0.5 * expectedPowers, $"{floats[0]}, {floats[1]}");
        Span<double> doubles = [Math.Pow(2, r)];
        world.AllReduce(doubles, AllReduceOp.Sum);
        Expect(failures, "all-reduce sum (double)", doubles[0] == expectedPowers, $"{doubles[0]}");
        Span<int> ints = [1 << r, r];
        world.AllReduce(ints, AllReduceOp.Sum);
        Expect(failures, "all-reduce sum (int)", ints[0] == (int)expectedPowers && ints[1] == p * (p - 1) / 2, $"{ints[0]}, {ints[1]}");
        Span<int> max = [r, -r];
        world.AllReduce(max, AllReduceOp.Max);
        Expect(failures, "all-reduce max (int)", max[0] == p - 1 && max[1] == 0, $"{max[0]}, {max[1]}");
        Span<double> doubleMax = [r + 0.25];
        world.AllReduce(doubleMax, AllReduceOp.Max);
        Expect(failures, "all-reduce max (double)", doubleMax[0] == p - 1 + 0.25, $"{doubleMax[0]}");

        var gathered = new int[2 * p];
        world.AllGather<int>([r, 10 * r], gathered);
        Expect(failures, "all-gather (int)", Enumerable.Range(0, p).All(s => gathered[2 * s] == s && gathered[2 * s + 1] == 10 * s), string.Join(' ', gathered));

        static int Count(int source, int destination) => (source + 2 * destination) % 3;
        static float Value(int source, int destination, int i) => source * 1000 + destination * 10 + i;
        int[] sendCounts = [.. Enumerable.Range(0, p).Select(d => Count(r, d))];
        int[] receiveCounts = [.. Enumerable.Range(0, p).Select(s => Count(s, r))];
        float[] send = [.. Enumerable.Range(0, p).SelectMany(d => Enumerable.Range(0, Count(r, d)).Select(i => Value(r, d, i)))];
        var received = new float[receiveCounts.Sum()];
        world.AllToAllV<float>(send, sendCounts, received, receiveCounts);
        float[] expected = [.. Enumerable.Range(0, p).SelectMany(s => Enumerable.Range(0, Count(s, r)).Select(i => Value(s, r, i)))];
        Expect(failures, "all-to-all-v (float)", received.SequenceEqual(expected), $"got {string.Join(' ', received)}, expected {string.Join(' ', expected)}");

        world.Barrier();
        return (failures, doubles[0]);
    }

    private static void Expect(List<string> failures, string what, bool ok, string got)
    {
        if (!ok) failures.Add($"{what}: {got}");
    }
}
