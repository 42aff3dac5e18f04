// The training loop with the stand-in model: the loss falls on a repetitive corpus, non-finite
// losses are skipped (and too many stop the run without saving), metrics.jsonl gets a line per step.
using System.Text.Json;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class TrainerTests
{
    private sealed class Recorder : ITrainingReporter
    {
        public List<StepReport> Steps { get; } = [];
        public List<string> Warnings { get; } = [];
        public void StepDone(StepReport report) => Steps.Add(report);
        public void Warning(string message) => Warnings.Add(message);
    }

    [Fact]
    public void Loss_falls_over_30_steps_on_a_repetitive_corpus()
    {
        using var fixture = new TrainingFixture();
        using var run = fixture.Start(fixture.Settings with { Steps = 30, WarmupSteps = 3 });

        var losses = run.Trainer.Run().Losses;

        Assert.Equal(30, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        double first = losses.Take(3).Average(), last = losses.TakeLast(3).Average();
        Assert.True(last < 0.6 * first, $"loss fell only from {first:F4} to {last:F4}: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
    }

    [Fact]
    public void A_nan_loss_skips_the_update_and_training_goes_on()
    {
        using var fixture = new TrainingFixture();
        var recorder = new Recorder();
        using var run = fixture.Start(reporter: recorder);
        run.Trainer.Run(new CancellationTokenSource(0).Token);   // cancelled at once: nothing trained, nothing saved
        Assert.False(Directory.Exists(fixture.RunFolder));

        run.Model.PoisonedForwards = 2;
        var result = run.Trainer.Run();

        Assert.Equal(6, result.State.Step);
        Assert.Equal(4, result.State.OptimizerStep);
        Assert.Equal(6, result.State.DataStep);              // skipped batches are consumed
        Assert.True(double.IsNaN(result.Losses[0]) && double.IsNaN(result.Losses[1]));
        Assert.Equal(2, recorder.Warnings.Count);
        Assert.Contains("step 1: loss is NaN; update skipped (1 in a row)", recorder.Warnings[0]);
        Assert.NotNull(result.Checkpoint);
    }

    [Fact]
    public void Too_many_bad_steps_in_a_row_stop_without_saving()
    {
        using var fixture = new TrainingFixture();
        using var run = fixture.Start(fixture.Settings with { Steps = 20, SaveEvery = 2, MaxBadSteps = 3 });
        run.Trainer.Run(new CancellationTokenSource().Token);     // warm start: a good checkpoint at step 20
        using var again = fixture.Start(fixture.Settings with { Steps = 30, SaveEvery = 2, MaxBadSteps = 3 });
        again.Trainer.Resume(TrainingCheckpoint.Restore(fixture.RunFolder, again.Model, again.Optimizer));
        var before = TrainingFixture.Weights(again.Model);

        again.Model.PoisonedForwards = 100;
        var e = Assert.Throws<TrainingDivergedException>(() => again.Trainer.Run());

        Assert.Contains("3 steps in a row had a non-finite loss or gradient (last: step 23); nothing was saved", e.Message);
        Assert.Contains("checkpoint-000020", e.Message);
        Assert.Equal(before, TrainingFixture.Weights(again.Model));
        Assert.Equal("checkpoint-000020", File.ReadAllText(Path.Combine(fixture.RunFolder, CheckpointStore.LatestFile)).Trim());
        Assert.False(Directory.Exists(Path.Combine(fixture.RunFolder, "checkpoint-000022")));
    }

    [Fact]
    public void Metrics_jsonl_has_one_line_per_step_and_a_resume_drops_the_lines_after_its_checkpoint()
    {
        using var fixture = new TrainingFixture();
        using (var metrics = new MetricsLog(fixture.RunFolder))
        using (var run = fixture.Start(metrics: metrics))
            run.Trainer.Run();

        var lines = File.ReadAllLines(Path.Combine(fixture.RunFolder, MetricsLog.FileName));
        Assert.Equal(6, lines.Length);
        using (var doc = JsonDocument.Parse(lines[5]))
        {
            var root = doc.RootElement;
            Assert.Equal(6, root.GetProperty("step").GetInt64());   // steps 1..6, as the console counts
            foreach (var field in new[] { "loss", "lm_loss", "aux_per_layer", "lr", "grad_norm", "tokens_per_s", "expert_load", "forward_ms" })
                Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
        }

        using (new MetricsLog(fixture.RunFolder, resumeStep: 4)) { }
        Assert.Equal(4, File.ReadAllLines(Path.Combine(fixture.RunFolder, MetricsLog.FileName)).Length);
    }

    [Fact]
    public void Logging_every_few_steps_reads_the_losses_only_then_and_trains_the_same()
    {
        using var fixture = new TrainingFixture();
        IReadOnlyList<double> everyStep;
        double[] weightsEveryStep;
        using (var run = fixture.Start())
        {
            everyStep = run.Trainer.Run().Losses;
            weightsEveryStep = TrainingFixture.Weights(run.Model);
        }
        using var again = new TrainingFixture();
        var recorder = new Recorder();
        using var metrics = new MetricsLog(again.RunFolder);
        using var spaced = again.Start(again.Settings with { LogEvery = 4 }, recorder, metrics);
        var losses = spaced.Trainer.Run().Losses;

        Assert.Equal([false, false, false, true, false, true], recorder.Steps.Select(r => r.Logged));   // every 4th and the last
        for (int i = 0; i < losses.Count; i++)
            Assert.Equal(recorder.Steps[i].Logged ? everyStep[i] : double.NaN, losses[i]);
        Assert.Equal(weightsEveryStep, TrainingFixture.Weights(spaced.Model));                       // logging changes no update
        var lines = File.ReadAllLines(Path.Combine(again.RunFolder, MetricsLog.FileName));
        Assert.Equal([4L, 6L], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()));
        Assert.Equal("--log-every 0: expected >= 1", Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => (again.Settings with { LogEvery = 0 }).Validate()).Message);
    }
}
