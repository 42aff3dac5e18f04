// CurvesPlot: several named (x, y) lines on one chart — the validation loss of one or more models
// against the ratio of disabled experts or against K', or an experiment's loss curves overlaid,
// each optionally with a shaded band (an experiment's spread over seeds: the lowest to the highest
// seed at each x). Non-finite points are dropped (a gap, not a zero); each curve keeps one colour
// of Category10, its band the same colour, translucent. Integer axes (steps, K') get whole ticks only.
// Not here: the single-run loss chart with its aux axis (LossPlot.cs).
using ScottPlot;

namespace MoeFromScratch.Train.Plots;

/// <summary>One line: its legend label and points, and optionally a band from Lower to Upper at the same xs.</summary>
public sealed record Curve(string Label, IReadOnlyList<double> Xs, IReadOnlyList<double> Ys,
    IReadOnlyList<double>? Lower = null, IReadOnlyList<double>? Upper = null);

public static class CurvesPlot
{
    /// <param name="xTicks">Named x positions (e.g. "1/16"); null for automatic ticks.</param>
    /// <param name="markers">Draw a marker at every point (sweeps); off for long training curves.</param>
    /// <param name="integerX">The x axis counts something (steps, experts): automatic ticks at whole numbers only.</param>
    public static Plot Draw(IReadOnlyList<Curve> curves, string title, string xLabel, string yLabel,
        IReadOnlyList<(double X, string Label)>? xTicks = null, bool markers = true, bool integerX = false)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < curves.Count; i++)
        {
            var c = curves[i];
            var kept = Enumerable.Range(0, c.Xs.Count).Where(j => double.IsFinite(c.Xs[j]) && double.IsFinite(c.Ys[j])).ToArray();
            if (kept.Length == 0) continue;
            var color = palette.GetColor(i);
            if (c.Lower is not null && c.Upper is not null)
            {
                var banded = kept.Where(j => double.IsFinite(c.Lower[j]) && double.IsFinite(c.Upper[j])).ToArray();
                var band = plot.Add.FillY([.. banded.Select(j => c.Xs[j])], [.. banded.Select(j => c.Upper[j])], [.. banded.Select(j => c.Lower[j])]);
                band.FillStyle.Color = color.WithAlpha(0.2);
                band.LineStyle.Width = 0;
            }
            var line = plot.Add.Scatter(kept.Select(j => c.Xs[j]).ToArray(), kept.Select(j => c.Ys[j]).ToArray(), color);
            line.LineWidth = 1.5f;
            line.MarkerSize = markers ? 7 : 0;
            line.LegendText = c.Label;
        }
        if (xTicks is not null)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xTicks.Select(t => t.X).ToArray(), xTicks.Select(t => t.Label).ToArray());
        else if (integerX)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
