// DataParallelTests: `mpiexec -n P moe train` against one process on the same command line — the
// tiny preset, 3 steps of a global batch of 4 sequences from the same seed — under MPICH (2 ranks)
// and Open MPI (2, and 4 oversubscribed). The ranks' losses are means over their B/P sequences and
// their gradients are all-reduced, so the run is the single-process one up to float32 round-off of
// the changed summation order (a GEMM over B/P rows, then a sum over ranks, instead of one over B):
// measured here ~4e-8 relative on the losses (2.4e-7 of 6.25). Bounds: 1e-6 relative on the losses,
// 5e-6 absolute on every weight after 3 AdamW steps (an update is ~lr = 1e-3). The trainer itself checks that the ranks' weights are bitwise
// equal at the end (DataParallel.CheckReplicasIdentical fails the run otherwise).
// The same parity under `--parallel expert` (each rank holds 4 or 2 of tiny's 8 routed experts;
// the rows travel to them and back, ExpertExchange): the same bounds, since the experts see the same
// rows in the same order and the other weights are data parallel as before; the checkpoint is
// gathered by rank 0 and loads into one process like any other. A 2-rank expert-parallel checkpoint
// resumed by one process continues the single-process run (same bounds on steps 4-5).
// Also: a global batch that P does not divide stops every rank with one line; so do experts that
// P does not divide under --parallel expert.
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed class DataParallelTests : TinyRunTests
{
    private const double LossRelativeBound = 1e-6, WeightAbsoluteBound = 5e-6;

    private string Train(string folder, int batch = 4, string parallel = "data", int steps = 3, int saveEvery = 0) =>
        $"train --config tiny --data {Run.Corpus} --cache {Run.Cache} --out {folder} --device cpu --parallel {parallel} " +
        $"--steps {steps} --batch {batch} --seq 16 --eval-every 0 --save-every {saveEvery} --seed {TinyRun.Seed}";

    [MpiTheory]
    [InlineData(MpiLaunch.Mpich, 2, "data")]
    [InlineData(MpiLaunch.OpenMpi, 2, "data")]
    [InlineData(MpiLaunch.OpenMpi, 4, "data")]
    [InlineData(MpiLaunch.Mpich, 2, "expert")]
    [InlineData(MpiLaunch.OpenMpi, 4, "expert")]
    public void P_ranks_train_the_single_process_model(string mpi, int ranks, string parallel)
    {
        string single = Run.RunFolder("single"), many = Run.RunFolder("parallel");
        var one = MoeProcess.Run(Train(single), timeout: MpiLaunch.ProcessTimeout);
        Assert.True(one.Code == 0, one.ToString());
        var run = MpiLaunch.Run(mpi, ranks, Train(many, parallel: parallel));
        Assert.True(run.Code == 0, run.ToString());
        Assert.Contains($"world: {ranks} ranks, {parallel} parallel", run.Stdout);
        int threads = Math.Max(1, System.Environment.ProcessorCount / ranks);   // --device cpu: the machine's cores split among its ranks
        Assert.Contains($"rank {ranks - 1}: cpu ({threads} CPU thread{(threads == 1 ? "" : "s")})", run.Stdout);
        Assert.Single(run.Stdout.Split('\n'), l => l.StartsWith("done at step 3/3"));   // rank 0 alone prints

        AssertSameLosses(TrainLosses(single), TrainLosses(many));
        // AdamW barely sees a gradient scaled by P (m/√v), the clip norm does: each parameter once, averaged as one process
        AssertSameLosses(TrainMetric(single, "grad_norm"), TrainMetric(many, "grad_norm"), "gradient norm");
        AssertSameWeights(CheckpointStore.Resolve(single), CheckpointStore.Resolve(many));
    }

    [MpiFact]
    public void An_expert_parallel_checkpoint_resumes_in_one_process()
    {
        string single = Run.RunFolder("single"), many = Run.RunFolder("parallel"), resumed = Run.RunFolder("resumed");
        var one = MoeProcess.Run(Train(single, steps: 5), timeout: MpiLaunch.ProcessTimeout);
        Assert.True(one.Code == 0, one.ToString());
        var run = MpiLaunch.Run(MpiLaunch.Mpich, 2, Train(many, parallel: "expert", steps: 5, saveEvery: 3));
        Assert.True(run.Code == 0, run.ToString());

        string checkpoint = Path.Combine(resumed, "checkpoint-000003");           // a run folder of its own, holding step 3 only
        CopyFolder(Path.Combine(many, "checkpoint-000003"), checkpoint);
        var again = MoeProcess.Run($"train --resume {checkpoint} --cache {Run.Cache} --device cpu", timeout: MpiLaunch.ProcessTimeout);
        Assert.True(again.Code == 0, again.ToString());

        AssertSameLosses(TrainLosses(single).Skip(3).ToList(), TrainLosses(resumed));
        AssertSameWeights(CheckpointStore.Resolve(single), CheckpointStore.Resolve(resumed));
    }

    [MpiFact]
    public void Experts_the_ranks_do_not_divide_stop_every_rank_with_one_line()
    {
        var exit = MpiLaunch.Run(MpiLaunch.OpenMpi, 3, Train(Run.RunFolder(), batch: 3, parallel: "expert"));
        Assert.True(exit.Code == 1, exit.ToString());
        var errors = exit.StderrLines.Where(l => l.StartsWith("moe:")).ToList();
        Assert.True(errors.Count == 1, exit.ToString());
        Assert.Equal("moe: error: --parallel expert: 8 routed experts (n_routed_experts) do not split evenly over 3 ranks; the rank count must divide E and be at most E", errors[0]);
    }

    private static void AssertSameLosses(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what = "loss")
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= LossRelativeBound * Math.Abs(expected[i]), $"step {i}: {what} {actual[i]} vs single {expected[i]}");
    }

    private static void AssertSameWeights(string expectedCheckpoint, string actualCheckpoint)
    {
        var a = Weights(expectedCheckpoint);
        var b = Weights(actualCheckpoint);
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

    // metrics.jsonl's training losses in step order (a resumed run's start past step 1).
    private static List<double> TrainLosses(string runFolder) => TrainMetric(runFolder, "loss");

    private static List<double> TrainMetric(string runFolder, string name) => File.ReadLines(Path.Combine(runFolder, MetricsLog.FileName))
        .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
        .Where(json => json.GetProperty("kind").GetString() == "train")
        .Select(json => json.GetProperty(name).GetDouble()).ToList();

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
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
