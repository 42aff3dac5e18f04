// loss.png: the training curves of a run against the step — LM loss and total loss (LM + Σ aux) on
// the left axis, validation loss as points, the summed balance (aux) loss on its own right axis
// (it is two orders of magnitude smaller, so it would be a flat line on the left one).
// Skipped steps (null losses) leave gaps: non-finite points are dropped, not drawn as zero.
// The step axis spans exactly the recorded steps (no margin before the first: no step −10) and
// ticks only whole steps.
using ScottPlot;

namespace MoeFromScratch.Train.Plots;

public static class LossPlot
{
    public static Plot Draw(RunMetrics run)
    {
        var plot = new Plot();
        var train = run.Train;
        AddLine(plot, train.Select(p => ((double)p.Step, p.LmLoss)), "train LM loss", Colors.C0);
        AddLine(plot, train.Select(p => ((double)p.Step, p.Loss)), "train total loss", Colors.C1);
        var val = Finite(run.Eval.Select(p => ((double)p.Step, p.ValidationLoss)));
        if (val.Xs.Length > 0)
        {
            var points = plot.Add.ScatterPoints(val.Xs, val.Ys, Colors.C2);
            points.MarkerSize = 8;
            points.LegendText = "validation loss";
        }
        var aux = AddLine(plot, train.Select(p => ((double)p.Step, p.AuxLoss)), "aux loss (right axis)", Colors.C3);
        if (aux is not null)
        {
            aux.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "aux (balance) loss";
        }
        plot.Title($"Loss — {Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(run.Path)))}");
        plot.XLabel("step");
        StepAxis(plot, train.Select(p => p.Step).Concat(run.Eval.Select(p => p.Step)).ToList());
        plot.YLabel("cross-entropy (nats)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>The x axis from the first to the last step, whole steps only.</summary>
    public static void StepAxis(Plot plot, IReadOnlyCollection<long> steps)
    {
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (steps.Count == 0) return;
        long first = steps.Min(), last = steps.Max();
        plot.Axes.SetLimitsX(first, last > first ? last : first + 1);
    }

    private static ScottPlot.Plottables.Scatter? AddLine(Plot plot, IEnumerable<(double X, double Y)> points, string label, Color color)
    {
        var (xs, ys) = Finite(points);
        if (xs.Length == 0) return null;
        var line = plot.Add.ScatterLine(xs, ys, color);
        line.LineWidth = 1.5f;
        line.LegendText = label;
        return line;
    }

    private static (double[] Xs, double[] Ys) Finite(IEnumerable<(double X, double Y)> points)
    {
        var kept = points.Where(p => double.IsFinite(p.Y)).ToArray();
        return (kept.Select(p => p.X).ToArray(), kept.Select(p => p.Y).ToArray());
    }
}
