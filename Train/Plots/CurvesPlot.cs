// CurvesPlot: several named (x, y) lines on one chart — the validation loss of one or more models
// against the ratio of disabled experts or against K', or an experiment's loss curves overlaid.
// Non-finite points are dropped (a gap, not a zero); each curve keeps one colour of Category10.
// Not here: the single-run loss chart with its aux axis (LossPlot.cs).
using ScottPlot;

namespace MoeFromScratch.Train.Plots;

/// <summary>One line: its legend label and points.</summary>
public sealed record Curve(string Label, IReadOnlyList<double> Xs, IReadOnlyList<double> Ys);

public static class CurvesPlot
{
    /// <param name="xTicks">Named x positions (e.g. "1/16"); null for automatic ticks.</param>
    /// <param name="markers">Draw a marker at every point (sweeps); off for long training curves.</param>
    public static Plot Draw(IReadOnlyList<Curve> curves, string title, string xLabel, string yLabel,
        IReadOnlyList<(double X, string Label)>? xTicks = null, bool markers = true)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < curves.Count; i++)
        {
            var kept = curves[i].Xs.Zip(curves[i].Ys).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
            if (kept.Length == 0) continue;
            var line = plot.Add.Scatter(kept.Select(p => p.First).ToArray(), kept.Select(p => p.Second).ToArray(), palette.GetColor(i));
            line.LineWidth = 1.5f;
            line.MarkerSize = markers ? 7 : 0;
            line.LegendText = curves[i].Label;
        }
        if (xTicks is not null)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xTicks.Select(t => t.X).ToArray(), xTicks.Select(t => t.Label).ToArray());
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
