// RankCommunication: `moe bench train` under MPI — each rank's tokens/s and what its collectives
// moved and took per timed step (the CountingCommunicator's counts, TrainBench), gathered so rank 0
// can report every rank. A collective: every rank calls Gather.
// Not here: the counting (Distributed/CountingCommunicator.cs), the formula these bytes are checked
// against (docs/distributed.md, PropertyTests/Distributed/CommunicationVolumeTests.cs).
using System.Globalization;
using System.Text.Json.Nodes;
using MoeFromScratch.Distributed;

namespace MoeFromScratch.Train.Bench;

/// <summary>One kind of collective per step: calls, payload bytes, bytes to other ranks, milliseconds.</summary>
public readonly record struct CollectivePerStep(double Calls, double Bytes, double OffRankBytes, double Milliseconds)
{
    public static CollectivePerStep Of(CollectiveTally tally, int steps)
    {
        var (calls, bytes, off, ms) = tally.PerStep(steps);
        return new(calls, bytes, off, ms);
    }

    public string Describe(string name) => string.Create(CultureInfo.InvariantCulture,
        $"{name} {Calls:0.#} call{(Calls == 1 ? "" : "s")}, {Bytes:N0} B ({OffRankBytes:N0} B to other ranks), {Milliseconds:F2} ms");

    public JsonObject Json() => new()
    {
        ["calls"] = Calls,
        ["bytes"] = Bytes,
        ["off_rank_bytes"] = OffRankBytes,
        ["ms"] = Math.Round(Milliseconds, 4),
    };
}

public sealed record RankCommunication(int Rank, double TokensPerSecond, double MedianStepMs, CollectivePerStep AllToAll, CollectivePerStep AllReduce, CollectivePerStep AllGather)
{
    private const int Fields = 14;   // tokens/s, median ms, then 3 × (calls, bytes, off-rank bytes, ms)

    /// <summary>Every rank's numbers in rank order, on every rank.</summary>
    public static IReadOnlyList<RankCommunication> Gather(ICommunicator world, TrainBenchResult result)
    {
        var c = result.Communication ?? default;
        int steps = result.Settings.Steps;
        CollectivePerStep[] kinds = [CollectivePerStep.Of(c.AllToAll, steps), CollectivePerStep.Of(c.AllReduce, steps), CollectivePerStep.Of(c.AllGather, steps)];
        double[] mine = [result.RankTokensPerSecond, result.MedianStepMs, .. kinds.SelectMany(k => new[] { k.Calls, k.Bytes, k.OffRankBytes, k.Milliseconds })];
        var all = new double[Fields * world.Size];
        world.AllGather<double>(mine, all);
        return Enumerable.Range(0, world.Size).Select(r =>
        {
            var v = all.AsSpan(r * Fields, Fields).ToArray();
            CollectivePerStep Kind(int k) => new(v[2 + 4 * k], v[3 + 4 * k], v[4 + 4 * k], v[5 + 4 * k]);
            return new RankCommunication(r, v[0], v[1], Kind(0), Kind(1), Kind(2));
        }).ToList();
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"rank {Rank}: {TokensPerSecond:F0} tokens/s ({MedianStepMs:F1} ms a step); per step {AllToAll.Describe("all-to-all")}; {AllReduce.Describe("all-reduce")}; {AllGather.Describe("all-gather")}");

    public JsonObject Json() => new()
    {
        ["rank"] = Rank,
        ["tokens_per_s"] = Math.Round(TokensPerSecond, 1),
        ["median_step_ms"] = Math.Round(MedianStepMs, 3),
        ["all_to_all_per_step"] = AllToAll.Json(),
        ["all_reduce_per_step"] = AllReduce.Json(),
        ["all_gather_per_step"] = AllGather.Json(),
    };
}
