// RunSummary: what the console shows besides the per-step numbers — mean phase timings and the
// per-expert load, accumulated between two prints (validation passes, or every N steps), and the
// one-line formats both console reporters share. Load is tokens routed to each expert summed over
// the window, shown as shares of the layer's total with the max/min ratio: 1.0 is perfect balance.
using System.Text;

namespace MoeFromScratch.Train.Training.Reporting;

public sealed class RunSummary
{
    private PhaseTimes _times;
    private int _steps;
    private long[][] _load = [];
    private int[] _layers = [];   // the model layer index of each _load row (LayerNames)

    public void Add(StepReport report)
    {
        _times += report.Times;
        _steps++;
        if (_load.Length != report.ExpertLoadPerLayer.Count)
        {
            _load = report.ExpertLoadPerLayer.Select(l => new long[l.Length]).ToArray();
            _layers = [.. Enumerable.Range(0, _load.Length).Select(report.LayerOf)];
        }
        for (int layer = 0; layer < _load.Length; layer++)
            for (int e = 0; e < _load[layer].Length && e < report.ExpertLoadPerLayer[layer].Length; e++)
                _load[layer][e] += report.ExpertLoadPerLayer[layer][e];
    }

    /// <summary>The lines for the window since the last call, then starts a new window.</summary>
    public IEnumerable<string> Drain()
    {
        if (_steps == 0) yield break;
        double Ms(TimeSpan t) => t.TotalMilliseconds / _steps;
        yield return $"  timings, mean of {_steps} steps: data {Ms(_times.Data):F1} ms | forward {Ms(_times.Forward):F1} ms | backward {Ms(_times.Backward):F1} ms | optimizer {Ms(_times.Optimizer):F1} ms";
        for (int layer = 0; layer < _load.Length; layer++)
        {
            long total = Math.Max(1, _load[layer].Sum());
            var shares = string.Join(" ", _load[layer].Select(n => $"{100.0 * n / total,4:F1}"));
            string ratio = _load[layer].Min() == 0 ? "n/a (an expert got no tokens)" : Wording.Finite((double)_load[layer].Max() / _load[layer].Min(), "F2");
            yield return $"  expert load, {LayerNames.Of(_layers[layer])} ({LayerNames.Convention}; % of routed tokens): {shares} | max/min {ratio}";
        }
        (_times, _steps, _load, _layers) = (default, 0, [], []);
    }

    public static string StepLine(StepReport r)
    {
        var line = new StringBuilder($"step {r.Step + 1,5}/{r.TotalSteps} | loss {r.Loss:F4} (lm {r.LmLoss:F4}, aux {r.AuxLoss:F4})");
        line.Append($" | lr {r.LearningRate:0.00e+0} | norm {r.GradNorm:F3} | {r.TokensPerSecond:N0} tok/s | {r.Times.Total.TotalMilliseconds:F0} ms");
        if (r.Skipped is not null) line.Append($" | SKIPPED: {r.Skipped}");
        return line.ToString();
    }

    public static string EvalLine(EvalReport r) =>
        $"val loss {r.ValidationLoss:F4} after step {r.Step} ({Wording.Count(r.Batches, "batch", "batches")}, {r.Time.TotalSeconds:F1} s)";
}
