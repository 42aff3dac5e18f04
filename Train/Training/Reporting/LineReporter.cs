// LineReporter: plain text for logs and pipes (stdout not a terminal), llm.c style — one line per
// `every` steps (the first step at or past each multiple whose losses were read: TrainSettings.LogEvery
// may space those out), every skipped step and the last, with the time left (wall clock so far per step done, times the steps to go, so
// validation and saves count), a validation line, and at each validation the timings and expert
// load summary.
using System.Diagnostics;

namespace MoeFromScratch.Train.Training.Reporting;

public sealed class LineReporter(TextWriter output, int every = 1) : ITrainingReporter
{
    private readonly RunSummary _summary = new();
    private readonly Stopwatch _clock = new();
    private long _firstStep;
    private long _nextLine;   // the step count (1-based) at which the next line is due

    public void Started(long startStep, long totalSteps, long tokensPerStep, long parameterCount)
    {
        _firstStep = startStep;
        _nextLine = (startStep / every + 1) * every;
        _clock.Restart();
        output.WriteLine($"training steps {startStep + 1}..{totalSteps}, {tokensPerStep:N0} tokens per step, {parameterCount:N0} parameters");
    }

    public void StepDone(StepReport report)
    {
        _summary.Add(report);
        long done = report.Step + 1;
        if ((report.Logged && done >= _nextLine) || report.Skipped is not null || done == report.TotalSteps)
        {
            output.WriteLine($"{RunSummary.StepLine(report)} | ETA {Wording.Duration(TimeLeft(report))}");
            _nextLine = (done / every + 1) * every;
        }
    }

    public void Evaluated(EvalReport report)
    {
        output.WriteLine(RunSummary.EvalLine(report));
        foreach (var line in _summary.Drain()) output.WriteLine(line);
    }

    private TimeSpan TimeLeft(StepReport report)
    {
        long done = Math.Max(1, report.Step + 1 - _firstStep);
        return _clock.Elapsed / done * (report.TotalSteps - report.Step - 1);
    }

    public void Warning(string message) => output.WriteLine($"warning: {message}");

    public void Saved(string folder, long step) => output.WriteLine($"saved {folder}");
}
