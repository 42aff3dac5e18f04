// LineReporter: plain text for logs and pipes (stdout not a terminal), llm.c style — one line per
// `every` steps, a validation line, and at each validation the timings and expert load summary.
namespace MoeFromScratch.Train.Training.Reporting;

public sealed class LineReporter(TextWriter output, int every = 1) : ITrainingReporter
{
    private readonly RunSummary _summary = new();

    public void Started(long startStep, long totalSteps, long tokensPerStep, long parameterCount) =>
        output.WriteLine($"training steps {startStep + 1}..{totalSteps}, {tokensPerStep:N0} tokens per step, {parameterCount:N0} parameters");

    public void StepDone(StepReport report)
    {
        _summary.Add(report);
        if ((report.Step + 1) % every == 0 || report.Skipped is not null || report.Step + 1 == report.TotalSteps)
            output.WriteLine(RunSummary.StepLine(report));
    }

    public void Evaluated(EvalReport report)
    {
        output.WriteLine(RunSummary.EvalLine(report));
        foreach (var line in _summary.Drain()) output.WriteLine(line);
    }

    public void Warning(string message) => output.WriteLine($"warning: {message}");

    public void Saved(string folder, long step) => output.WriteLine($"saved {folder}");
}
