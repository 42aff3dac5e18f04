// CommunicationVolumeTests: the bytes an expert-parallel training step hands to its collectives, as
// counted in the communicator layer (CountingCommunicator), equal docs/distributed.md's formula
// exactly — bytes are not timings. Per step, with P ranks, L MoE layers, the global batch B×T,
// K active routed experts, C channels, E routed experts and s = 4 bytes (float32):
//   all-to-all, summed over the ranks: L·(4·B·T·K·C·s + P·E·4) — four exchanges of rows (dispatch and
//     combine, forward and backward) each moving every one of the B·T·K routed assignments' rows once,
//     plus the plan's counts (every rank sends E ints); 5·L calls per rank. (One rank's share depends
//     on the routing; only the sum is a formula.)
//   all-reduce, per rank: s·(replicated parameters) + 3·8 + 4 — the replicated gradients in one
//     buffer, the three logged losses (doubles) and the stop flag (an int); 3 calls.
//   all-gather, per rank: 8 — the sharded gradients' sum of squares for the clip norm; 1 call.
// In threads (ThreadedTraining, the test model) at P = 2 and 4, and under mpiexec through
// `moe bench train --parallel expert --json` (tiny, P = 2), which reports the same counters per rank.
using System.Text.Json;
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Config;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.PropertyTests.Training;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed class CommunicationVolumeTests : IDisposable
{
    private readonly TrainingFixture _data = new();

    private static readonly MoeConfig Config = ThreadedTraining.TestConfig with { NumHiddenLayers = 3 };   // layers 1 and 2 are MoE: L = 2
    private static readonly TrainSettings Settings = ThreadedTraining.TestSettings;

    private sealed record Expected(long AllToAllWorld, long AllReducePerRank, long AllGatherPerRank);

    private static Expected Formula(MoeConfig c, int batch, int seq, int ranks, long replicatedParameters)
    {
        const int s = sizeof(float);
        long L = Enumerable.Range(0, c.NumHiddenLayers).Count(c.IsMoeLayer);
        return new(L * (4L * batch * seq * c.NumExpertsPerTok * c.HiddenSize * s + (long)ranks * c.NRoutedExperts * sizeof(int)),
            s * replicatedParameters + 3 * sizeof(double) + sizeof(int), sizeof(double));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void A_steps_collectives_move_the_formulas_bytes(int ranks)
    {
        var runs = new ThreadedTraining(_data.TrainPath, Config, Settings).Train(ranks, DType.Float32, steps: 3);
        long replicated = runs[0].Weights.Where(w => !runs[0].Sharded.Contains(w.Key)).Sum(w => (long)w.Value.Length);
        var expected = Formula(Config, Settings.BatchSize, Settings.SequenceLength, ranks, replicated);
        var steps = runs.Select(r => r.Counters[2] - r.Counters[1]).ToList();   // the third step alone

        Assert.Equal(expected.AllToAllWorld, steps.Sum(c => c.AllToAll.Bytes));
        Assert.True(steps.Sum(c => c.AllToAll.OffRankBytes) < expected.AllToAllWorld, "an all-to-all's own block never leaves the rank");
        foreach (var c in steps)
        {
            Assert.Equal(5 * 2, c.AllToAll.Calls);
            Assert.Equal((3, expected.AllReducePerRank), (c.AllReduce.Calls, c.AllReduce.Bytes));
            Assert.Equal((1, expected.AllGatherPerRank), (c.AllGather.Calls, c.AllGather.Bytes));
        }
    }

    [MpiFact]
    public void Bench_train_under_mpiexec_reports_the_formulas_bytes_per_rank()
    {
        var run = MpiLaunch.Run(MpiLaunch.Mpich, 2, "bench train --config tiny --device cpu --parallel expert --batch 4 --seq 16 --steps 2 --warmup 1 --json");
        Assert.True(run.Code == 0, run.ToString());
        var json = JsonDocument.Parse(run.Stdout.Split('\n').Single(l => l.StartsWith('{'))).RootElement;
        var perRank = json.GetProperty("per_rank").EnumerateArray().ToList();
        Assert.Equal(2, perRank.Count);
        var tiny = MoePresets.Tiny;
        long experts = Enumerable.Range(0, tiny.NumHiddenLayers).Count(tiny.IsMoeLayer) * tiny.NRoutedExperts * 3L * tiny.HiddenSize * tiny.MoeIntermediateSize;
        long replicated = json.GetProperty("parameters").GetInt64() - experts / 2;   // "parameters" is rank 0's: its half of the experts
        var expected = Formula(tiny, 4, 16, 2, replicated);
        double Bytes(JsonElement rank, string kind) => rank.GetProperty(kind).GetProperty("bytes").GetDouble();
        Assert.Equal(expected.AllToAllWorld, perRank.Sum(r => Bytes(r, "all_to_all_per_step")));
        Assert.All(perRank, r => Assert.Equal(expected.AllReducePerRank, Bytes(r, "all_reduce_per_step")));
        Assert.All(perRank, r => Assert.Equal(expected.AllGatherPerRank, Bytes(r, "all_gather_per_step")));
        Assert.All(perRank, r => Assert.True(r.GetProperty("tokens_per_s").GetDouble() > 0));
    }

    public void Dispose() => _data.Dispose();
}
