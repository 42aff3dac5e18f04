// The PNGs of an analysis, written atomically into its output folder:
//   expert_load.png      MoE layer × routed expert: share of the layer's assignments (uniform = 1/E)
//   routing_by_kind.png  (layer, kind) × routed expert: each kind's share of its own assignments
//   redundancy.png       validation loss against the ratio of each token's top experts disabled
//   active_experts.png   validation loss against K', the routed experts a token uses
// The two curves take several models, so `moe experiment redundancy` overlays DeepSeekMoE and GShard.
// Not here: the numbers (ExpertAnalysis), the chart primitives (Train/Plots).
using MoeFromScratch.Train.Plots;

namespace MoeFromScratch.Train.Analysis;

public static class AnalysisPlots
{
    public const string LoadFile = "expert_load.png", KindsFile = "routing_by_kind.png";
    public const string RedundancyFile = "redundancy.png", ActiveFile = "active_experts.png";

    /// <summary>Every plot of one model's analysis into folder; returns the paths written.</summary>
    public static IReadOnlyList<string> WriteAll(AnalysisResult result, string folder, string label)
    {
        var written = new List<string>();
        int E = result.RoutedExperts;
        var load = Rows(result.Layers.Select(l => l.Load.Tokens.Select(n => (double)n / l.Load.Tokens.Sum()).ToArray()).ToList());
        written.Add(RunPlots.Save(ExpertLoadPlot.Heatmap(load, $"{label}: expert load on {result.Tokens:N0} validation tokens (uniform = 1/{E})",
            rowLabels: result.Layers.Select(l => $"layer {l.Layer}").ToList()), Path.Combine(folder, LoadFile)));

        if (result.Layers.All(l => l.Kinds is not null))
        {
            var rows = result.Layers.SelectMany(l => l.Kinds!.Kinds.Select(k => (Label: $"L{l.Layer} {k.Kind}", k.Share))).ToList();
            string scores = string.Join(", ", result.Layers.Select(l => $"L{l.Layer} {Score(l.Kinds!)}"));
            written.Add(RunPlots.Save(ExpertLoadPlot.Heatmap(Rows(rows.Select(r => r.Share).ToList()), $"{label}: routing by kind of text (NMI {scores})",
                "layer, kind", rows.Select(r => r.Label).ToList(), "share of the kind's assignments"), Path.Combine(folder, KindsFile)));
        }
        if (result.Redundancy.Count > 0)
            written.Add(RunPlots.Save(Redundancy([(label, result)]), Path.Combine(folder, RedundancyFile)));
        if (result.ActiveExpertsSweep.Count > 0)
            written.Add(RunPlots.Save(ActiveExperts([(label, result)]), Path.Combine(folder, ActiveFile)));
        return written;
    }

    /// <summary>Validation loss against the ratio of disabled top routed experts, one line per model. One model:
    /// a tick at each point, labelled d/E as measured; several (whose E differ): the paper's ratios r/16.</summary>
    public static ScottPlot.Plot Redundancy(IReadOnlyList<(string Label, AnalysisResult Result)> models) => CurvesPlot.Draw(
        models.Select(m => new Curve(m.Label, m.Result.Redundancy.Select(p => p.Ratio).ToList(),
            m.Result.Redundancy.Select(p => p.ValidationLoss ?? double.NaN).ToList())).ToList(),
        "Redundancy: each token's top routed experts disabled, top-K' from the rest", "ratio of routed experts disabled", "validation loss",
        models.Count == 1
            ? [.. models[0].Result.Redundancy.Select(p => (p.Ratio, p.RatioLabel))]
            : [.. ExpertAnalysis.DisabledSixteenths.Select(s => (s / 16.0, $"{s}/16"))]);

    /// <summary>Validation loss against K', one line per model.</summary>
    public static ScottPlot.Plot ActiveExperts(IReadOnlyList<(string Label, AnalysisResult Result)> models) => CurvesPlot.Draw(
        models.Select(m => new Curve(m.Label, m.Result.ActiveExpertsSweep.Select(p => (double)p.ActiveExperts).ToList(),
            m.Result.ActiveExpertsSweep.Select(p => p.ValidationLoss).ToList())).ToList(),
        "Fewer activated routed experts at inference", "K' (routed experts per token)", "validation loss", integerX: true);

    private static string Score(KindRouting kinds) => kinds.NormalizedMutualInformation is double v ? $"{v:F3}" : "—";

    private static double[,] Rows(IReadOnlyList<double[]> rows)
    {
        var grid = new double[rows.Count, rows[0].Length];
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Length; c++) grid[r, c] = rows[r][c];
        return grid;
    }
}
