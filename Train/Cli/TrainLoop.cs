// TrainLoop: what `moe train` and `moe sft` do around Training/Trainer once its pieces are built —
// Ctrl-C (SIGINT) or SIGTERM asks for a clean stop at the next step boundary (StopSignal), progress as a bar on a terminal or as lines when redirected, the closing line, the
// plots, the exit code (0 at the end, 128 + the signal's number after a stop signal's clean save, StopSignal)
// and a diverged run as one error line (exit 1).
// It is not the loop itself (Trainer) nor the choice of data and model (the commands).
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Plots;
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;
using Spectre.Console;

namespace MoeFromScratch.Train.Cli;

public static class TrainLoop
{
    /// <summary>Runs the trainer to the end (or a stop signal); Result null when it diverged (the error is printed).
    /// A quiet rank of a data-parallel run passes no runFolder: it reports, writes and plots nothing.</summary>
    public static (TrainResult? Result, int ExitCode) Run(Func<ITrainingReporter, Trainer> build, TrainerState? restored, TrainSettings settings, string? runFolder, MetricsLog? metrics)
    {
        using var stop = new StopSignal("saving a checkpoint");
        try
        {
            var result = RunWithReporter(runFolder is not null, reporter =>
            {
                var trainer = build(reporter);
                if (restored is not null) trainer.Resume(restored);
                return trainer.Run(stop.Token);
            });
            Console.WriteLine($"{(result.Cancelled ? "stopped" : "done")} at step {result.State.Step}/{settings.Steps}" +
                (result.ValidationLoss is double v ? $", val loss {v:F4}" : "") +
                (result.Checkpoint is null ? "" : $"; checkpoint {result.Checkpoint}") + $"; metrics {metrics?.Path}");
            if (runFolder is not null) RunPlots.TryWriteAll(runFolder);
            return (result, result.Cancelled ? stop.ExitCode : 0);
        }
        catch (TrainingDivergedException e)
        {
            if (runFolder is not null) Console.Error.WriteLine($"moe: error: {e.Message}");
            return (null, 1);
        }
    }

    // A progress bar on an interactive terminal, plain lines (every 10 steps) otherwise; nothing on a quiet rank.
    private static TrainResult RunWithReporter(bool reports, Func<ITrainingReporter, TrainResult> run)
    {
        if (!reports) return run(new LineReporter(TextWriter.Null, every: 10));
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return run(new LineReporter(Console.Out, every: 10));
        return AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => run(new ProgressBarReporter(ctx.AddTask("starting"))));
    }
}
