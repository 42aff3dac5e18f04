// Resuming is exact: 6 steps straight and 3 steps + checkpoint + a fresh model restored from it + 3
// steps give the same loss doubles, bit for bit (host backend, deterministic kernels). And a
// checkpoint save that fails halfway leaves the previous checkpoint as `latest`, loadable.
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class ResumeTests
{
    [Fact]
    public void Interrupted_and_resumed_run_reproduces_the_losses_bit_for_bit()
    {
        using var straightFixture = new TrainingFixture();
        double[] straight;
        using (var run = straightFixture.Start())
            straight = [.. run.Trainer.Run().Losses];

        using var fixture = new TrainingFixture();
        var cancel = new CancellationTokenSource();
        double[] firstHalf, secondHalf;
        using (var run = fixture.Start(reporter: new CancelAfter(3, cancel)))
        {
            var result = run.Trainer.Run(cancel.Token);   // as Ctrl-C: stops at the step boundary and saves
            Assert.True(result.Cancelled);
            Assert.EndsWith("checkpoint-000003", result.Checkpoint);
            firstHalf = [.. result.Losses];
        }
        using (var run = fixture.Start())                  // a new model and optimizer: nothing carried over in memory
        {
            run.Trainer.Resume(TrainingCheckpoint.Restore(fixture.RunFolder, run.Model, run.Optimizer));
            secondHalf = [.. run.Trainer.Run().Losses];
        }

        Assert.Equal(6, straight.Length);
        Assert.Equal(straight, firstHalf.Concat(secondHalf).ToArray());   // exact double equality
        Assert.True(straight.Distinct().Count() > 1);
    }

    [Fact]
    public void A_failure_while_writing_a_checkpoint_keeps_the_previous_one_loadable()
    {
        using var fixture = new TrainingFixture();
        using var run = fixture.Start();
        run.Trainer.Run();                                 // checkpoint-000006, latest -> it
        var saved = TrainingFixture.Weights(run.Model);

        var later = run.Trainer.State with { Step = 9 };
        var failing = new CheckpointPart("disk full", folder =>
        {
            File.WriteAllText(Path.Combine(folder, "half-written.bin"), "...");
            throw new IOException("simulated: no space left on device");
        });
        var error = Assert.Throws<MoeFromScratch.Tensors.MoeUserException>(() => run.Checkpoint.Save(later, [failing]));
        Assert.Equal(MoeFromScratch.Tensors.UserErrorKind.Output, error.Kind);   // a one-line error at the CLI, not a crash
        Assert.Throws<MoeFromScratch.Tensors.MoeUserException>(() => run.Checkpoint.Save(run.Trainer.State, [failing]));   // over the same step

        Assert.Equal("checkpoint-000006", File.ReadAllText(Path.Combine(fixture.RunFolder, CheckpointStore.LatestFile)).Trim());
        Assert.Equal(["checkpoint-000006", "latest"], Directory.EnumerateFileSystemEntries(fixture.RunFolder).Select(Path.GetFileName).Order());
        using var fresh = fixture.Start();
        var state = TrainingCheckpoint.Restore(fixture.RunFolder, fresh.Model, fresh.Optimizer);
        Assert.Equal(6, state.Step);
        Assert.Equal(saved, TrainingFixture.Weights(fresh.Model));
    }

    [Fact]
    public void Resume_from_a_folder_that_is_no_checkpoint_names_it()
    {
        using var fixture = new TrainingFixture();
        using var run = fixture.Start();
        var e = Assert.Throws<MoeFromScratch.Model.CheckpointException>(() => TrainingCheckpoint.Restore(fixture.Folder, run.Model, run.Optimizer));
        Assert.Contains(fixture.Folder, e.Message);
        Assert.Contains("neither a checkpoint", e.Message);

        run.Trainer.Run();
        string state = Path.Combine(fixture.RunFolder, "checkpoint-000006", TrainerState.FileName);
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"data_step\": 6", "\"data_step\": -1"));
        e = Assert.Throws<MoeFromScratch.Model.CheckpointException>(() => TrainingCheckpoint.Restore(fixture.RunFolder, run.Model, run.Optimizer));
        Assert.Equal($"{state}: field 'data_step' is -1, expected >= 0", e.Message);
    }

    private sealed class CancelAfter(int steps, CancellationTokenSource cancel) : ITrainingReporter
    {
        public void StepDone(StepReport report)
        {
            if (report.Step + 1 == steps) cancel.Cancel();
        }
    }
}
