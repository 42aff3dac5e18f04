// Ctrl-C (SIGINT) and SIGTERM stop `moe train` cleanly: the step in flight finishes, a checkpoint
// is saved at that step boundary (the run saves nowhere else: --save-every 0), one stderr line says
// so, and the exit code is 128 + the signal's number (130, 143), as every command's (Cli/StopSignal). The checkpoint holds exactly the steps metrics.jsonl recorded, loads
// completely, and `--resume` finishes the run with the uninterrupted run's losses, bit for bit;
// resuming the finished run once more leaves its last checkpoint alone.
using System.Text.RegularExpressions;
using MoeFromScratch.Train.Checkpointing;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class InterruptTests : TinyRunTests
{
    [Theory]
    [InlineData(MoeProcess.SigInt, "Ctrl-C")]
    [InlineData(MoeProcess.SigTerm, "SIGTERM")]
    public void A_stop_signal_saves_at_the_next_step_boundary_and_resume_finishes_the_run(int signal, string name)
    {
        string folder = Run.RunFolder();
        long stoppedAt;
        using (var moe = MoeProcess.Start(Run.Train(folder, "--save-every 0")))
        {
            moe.WaitForLine(l => l.StartsWith("step ", StringComparison.Ordinal));   // the first progress line: step 10
            moe.Signal(signal);
            var exit = moe.WaitForExit();
            Assert.True(exit.Code == 128 + signal, exit.ToString());   // 130 for Ctrl-C, 143 for SIGTERM: stopped, not done
            Assert.Equal([$"moe: {name}: stopping after this step and saving a checkpoint ({name} again to quit at once)"], exit.StderrLines);
            var stopped = Stopped.Match(exit.Stdout);
            Assert.True(stopped.Success, exit.ToString());
            stoppedAt = long.Parse(stopped.Groups[1].Value);
            Assert.Equal(Path.Combine(folder, CheckpointStore.FolderName(stoppedAt)), stopped.Groups[2].Value);
        }
        Assert.InRange(stoppedAt, 10, TinyRun.Steps - 1);
        Assert.Equal(stoppedAt, TinyRun.LoadLatest(folder));
        Assert.Equal(TinyRun.Straight.Losses.Take((int)stoppedAt), TinyRun.Losses(folder));   // every step recorded is in the checkpoint

        var finish = MoeProcess.Run(Run.Resume(folder));
        Assert.True(finish.Code == 0, finish.ToString());
        Assert.Contains($"resuming from {Path.Combine(folder, CheckpointStore.FolderName(stoppedAt))} at step {stoppedAt}", finish.Stdout);
        Assert.Equal(TinyRun.Straight.Losses, TinyRun.Losses(folder));

        // resuming the finished run has nothing to do, and must not rewrite the checkpoint `latest` names
        string last = Path.Combine(folder, CheckpointStore.FolderName(TinyRun.Steps));
        var written = Directory.GetFiles(last).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var again = MoeProcess.Run(Run.Resume(folder));
        Assert.True(again.Code == 0, again.ToString());
        Assert.Equal(written, Directory.GetFiles(last).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    private static readonly Regex Stopped = new($@"^stopped at step (\d+)/{TinyRun.Steps}; checkpoint (\S+);", RegexOptions.Multiline);
}
