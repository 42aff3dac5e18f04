// ProgressBarReporter: a Spectre.Console progress bar for an interactive terminal. The bar's
// description carries step, loss, aux, tokens/s and lr; Spectre's remaining-time column gives the
// ETA. Validation results, warnings, saves and the timings / expert load summary are printed
// above the bar. Use it inside AnsiConsole.Progress().Start(ctx => ...), see TrainCommand.
using Spectre.Console;

namespace MoeFromScratch.Train.Training.Reporting;

public sealed class ProgressBarReporter(ProgressTask task) : ITrainingReporter
{
    private readonly RunSummary _summary = new();

    public void Started(long startStep, long totalSteps, long tokensPerStep, long parameterCount)
    {
        task.MaxValue = totalSteps;
        task.Value = startStep;
        AnsiConsole.MarkupLine(Markup.Escape($"training steps {startStep + 1}..{totalSteps}, {tokensPerStep:N0} tokens per step, {parameterCount:N0} parameters"));
    }

    public void StepDone(StepReport r)
    {
        _summary.Add(r);
        task.Value = r.Step + 1;
        if (r.Logged) task.Description = Markup.Escape($"step {r.Step + 1}/{r.TotalSteps} loss {r.Loss:F3} aux {r.AuxLoss:F4} {r.TokensPerSecond:N0} tok/s lr {r.LearningRate:0.0e+0}");
    }

    public void Evaluated(EvalReport report)
    {
        AnsiConsole.MarkupLine($"[green]{Markup.Escape(RunSummary.EvalLine(report))}[/]");
        foreach (var line in _summary.Drain()) AnsiConsole.MarkupLine(Markup.Escape(line));
    }

    public void Warning(string message) => AnsiConsole.MarkupLine($"[yellow]warning: {Markup.Escape(message)}[/]");

    public void Saved(string folder, long step) => AnsiConsole.MarkupLine($"[grey]saved {Markup.Escape(folder)}[/]");
}
