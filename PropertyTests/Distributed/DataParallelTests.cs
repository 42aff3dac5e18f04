// DataParallelTests: `mpiexec -n P moe train` against one process on the same command line — the
// tiny preset, 3 steps of a global batch of 4 sequences from the same seed — under MPICH (2 ranks)
// and Open MPI (2, and 4 oversubscribed). The ranks' losses are means over their B/P sequences and
// their gradients are all-reduced, so the run is the single-process one up to float32 round-off of
// the changed summation order (a GEMM over B/P rows, then a sum over ranks, instead of one over B):
// measured here ~4e-8 relative on the losses (2.4e-7 of 6.25). Bounds: 1e-6 relative on the losses,
// 5e-6 absolute on every weight after 3 AdamW steps (an update is ~lr = 1e-3). The trainer itself checks that the ranks' weights are bitwise
// equal at the end (DataParallel.CheckReplicasIdentical fails the run otherwise).
// Also: a global batch that P does not divide stops every rank with one line.
using MoeFromScratch.Model.Config;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed class DataParallelTests : TinyRunTests
{
    private const double LossRelativeBound = 1e-6, WeightAbsoluteBound = 5e-6;

    private string Train(string folder, int batch = 4) =>
        $"train --config tiny --data {Run.Corpus} --cache {Run.Cache} --out {folder} --device cpu " +
        $"--steps 3 --batch {batch} --seq 16 --eval-every 0 --save-every 0 --seed {TinyRun.Seed}";

    [MpiTheory]
    [InlineData(MpiLaunch.Mpich, 2)]
    [InlineData(MpiLaunch.OpenMpi, 2)]
    [InlineData(MpiLaunch.OpenMpi, 4)]
    public void P_ranks_train_the_single_process_model(string mpi, int ranks)
    {
        string single = Run.RunFolder("single"), parallel = Run.RunFolder("parallel");
        var one = MoeProcess.Run(Train(single), timeout: MpiLaunch.ProcessTimeout);
        Assert.True(one.Code == 0, one.ToString());
        var many = MpiLaunch.Run(mpi, ranks, Train(parallel));
        Assert.True(many.Code == 0, many.ToString());
        Assert.Contains($"world: {ranks} ranks, data parallel", many.Stdout);
        Assert.Single(many.Stdout.Split('\n'), l => l.StartsWith("done at step 3/3"));   // rank 0 alone prints

        var expected = TinyRun.Losses(single).Select(double.Parse).ToList();
        var actual = TinyRun.Losses(parallel).Select(double.Parse).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= LossRelativeBound * Math.Abs(expected[i]), $"step {i}: loss {actual[i]} vs single {expected[i]}");

        var a = Weights(CheckpointStore.Resolve(single));
        var b = Weights(CheckpointStore.Resolve(parallel));
        foreach (var (name, w) in a)
        {
            double worst = w.Zip(b[name], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(worst <= WeightAbsoluteBound, $"{name}: max |Δw| {worst:E2} > {WeightAbsoluteBound:E0}");
        }
    }

    [MpiFact]
    public void A_batch_the_ranks_do_not_divide_stops_every_rank_with_one_line()
    {
        var exit = MpiLaunch.Run(MpiLaunch.OpenMpi, 2, Train(Run.RunFolder(), batch: 3));
        Assert.True(exit.Code == 1, exit.ToString());
        var errors = exit.StderrLines.Where(l => l.StartsWith("moe:")).ToList();
        Assert.True(errors.Count == 1, exit.ToString());
        Assert.Equal("moe: error: --batch 3: the global batch must divide by the 2 ranks (each rank takes B/P sequences)", errors[0]);
    }

    private static Dictionary<string, double[]> Weights(string checkpoint)
    {
        var config = MoeConfigJson.Load(Path.Combine(checkpoint, "config.json"));
        var model = ModelFactory.Create(config, Device.Cpu, TinyRun.Seed + 1);
        using var optimizer = new AdamW(model.Module.NamedParameters());
        TrainingCheckpoint.Restore(checkpoint, model, optimizer);
        return model.Module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data.ToDoubleArray());
    }
}
