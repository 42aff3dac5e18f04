// PhaseProgress: progress lines for a long phase that is not training — `moe eval` over many
// sequences, a `moe bench gemm` size on a slow device — in the line format of train's LineReporter
// ("eval   40/200 sequences | 1,234 tok/s | ETA 00:00:12"), written to the stream the command's
// progress goes to (stdout; stderr where stdout is a --json result). A line comes every
// `every` items and whenever `interval` has passed since the last one, never for the last item
// (the command's result line follows it), so a quick phase stays quiet and a slow one never is.
// The ETA is train's: wall clock per item so far times the items to go.
// It is not a progress bar (train's ProgressBarReporter is the one for a terminal).
using System.Diagnostics;

namespace MoeFromScratch.Train.Training.Reporting;

public sealed class PhaseProgress(TextWriter output, string what, long total, string unit, long every, TimeSpan interval)
{
    /// <summary>The default pacing: about ten lines over the phase (none under 20 items), and one at least every 10 s.</summary>
    public static PhaseProgress Paced(TextWriter output, string what, long total, string unit) =>
        new(output, what, total, unit, total >= 20 ? (total + 9) / 10 : long.MaxValue, TimeSpan.FromSeconds(10));

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLine;
    private long _lastDone;

    /// <summary>Wall time since the phase started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>done items of total are finished; detail: the phase's own measure ("1,234 tok/s"), or null.</summary>
    public void Done(long done, string? detail = null)
    {
        var now = _clock.Elapsed;
        if (done >= total || (done - _lastDone < every && now - _lastLine < interval)) return;
        (_lastLine, _lastDone) = (now, done);
        var left = now / Math.Max(1, done) * (total - done);
        int width = total.ToString("N0").Length;
        output.WriteLine($"{what} {done.ToString("N0").PadLeft(width)}/{total:N0} {unit}{(detail is null ? "" : $" | {detail}")} | ETA {Wording.Duration(left)}");
    }
}
