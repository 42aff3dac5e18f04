// Ctrl-C stops `moe experiment` cleanly, in a real child process: the model in training stops at
// the next step boundary with a checkpoint, nothing half-written is taken for finished, the exit
// code is 130 with one stderr line; the same command again resumes that model from its checkpoint,
// trains the rest, and writes the results.
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Cli;
using MoeFromScratch.Train.Experiments;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class ExperimentInterruptTests : TinyExperimentFolder
{
    [Fact]
    public void Ctrl_C_stops_at_a_step_boundary_and_the_same_command_continues()
    {
        string output = Path.Combine(_root, "stopped");
        string args = $"experiment ablation-shared --scale tiny --steps 200 --seeds 1 --device cpu --data {Data} --cache {Cache} --out {output}";
        string first = SeedTraining.FolderOf(output, "deepseekmoe", 1);
        using (var moe = MoeProcess.Start(args))
        {
            moe.WaitForLine(l => l.StartsWith("step ", StringComparison.Ordinal));   // the first model's first progress line
            moe.Signal(MoeProcess.SigInt);
            var exit = moe.WaitForExit();
            Assert.True(exit.Code == 128 + MoeProcess.SigInt, exit.ToString());
            Assert.Equal(["moe: Ctrl-C: stopping after this step and keeping what finished; the same command again continues (Ctrl-C again to quit at once)"], exit.StderrLines);
            Assert.Contains("stopped in deepseekmoe, seed 1 (0 of 4 model runs finished); run the same command again to continue", exit.Stdout);
        }
        Assert.True(File.Exists(Path.Combine(first, CheckpointStore.LatestFile)));
        Assert.False(File.Exists(Path.Combine(first, SeedTraining.ResultFile)));
        Assert.False(File.Exists(Path.Combine(output, ExperimentReport.JsonFile)));

        var again = MoeProcess.Run(args);
        Assert.True(again.Code == 0, again.ToString());
        Assert.Matches(@"-- deepseekmoe, seed 1: resuming at step \d+ of 200", again.Stdout);
        foreach (var model in new[] { "deepseekmoe", "no-shared", "gshard", "gshard-shared" })
            Assert.True(File.Exists(Path.Combine(SeedTraining.FolderOf(output, model, 1), SeedTraining.ResultFile)), model);
        Assert.True(File.Exists(Path.Combine(output, ExperimentReport.JsonFile)));
    }
}
