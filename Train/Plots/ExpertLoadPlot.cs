// expert_load.png: a heatmap, MoE layer × routed expert, of each expert's share of the layer's
// routed token slots (N·K per step) summed over the last `lastSteps` steps of the run, with a
// colorbar. Balanced routing is a flat 1/E everywhere; a collapsed router is one bright column.
// Rows are MoE layers in model order (a dense first layer has no row). Not drawn: per-step load
// (metrics.jsonl has it; a heatmap over steps would need one plot per layer).
using MoeFromScratch.Train.Data;
using ScottPlot;

namespace MoeFromScratch.Train.Plots;

public static class ExpertLoadPlot
{
    public const int DefaultLastSteps = 100;

    /// <summary>null when the run has no MoE layer (a dense model) or no step yet.</summary>
    public static Plot? Draw(RunMetrics run, int lastSteps = DefaultLastSteps)
    {
        var steps = run.Train.Where(p => p.ExpertLoad.Count > 0).TakeLast(lastSteps).ToList();
        if (steps.Count == 0) return null;
        var share = Share(steps);
        return Heatmap(share, $"Expert load, steps {steps[0].Step}–{steps[^1].Step} (uniform = 1/{share.GetLength(1)} = {1.0 / share.GetLength(1):0.###})");
    }

    /// <summary>
    /// A (rows, E) heatmap of shares with a colorbar, row 0 at the bottom; rows are MoE layers unless
    /// rowLabels names them. `moe analyze` draws its load and routing-by-kind maps with it.
    /// </summary>
    public static Plot Heatmap(double[,] share, string title, string yLabel = "MoE layer", IReadOnlyList<string>? rowLabels = null,
        string colorLabel = "share of routed tokens")
    {
        int layers = share.GetLength(0), experts = share.GetLength(1);
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(share);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.FlipVertically = true;   // row 0 (the first MoE layer) at the bottom, like the y axis
        plot.Add.ColorBar(heatmap).Label = colorLabel;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.TickGenerator = rowLabels is null
            ? new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true }
            : new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, layers).Select(r => (double)r).ToArray(), [.. rowLabels]);
        plot.Title(title);
        plot.XLabel("routed expert");
        plot.YLabel(yLabel);
        plot.Axes.SetLimits(-0.5, experts - 0.5, -0.5, layers - 0.5);
        return plot;
    }

    /// <summary>(layers, E): tokens of each expert over the steps, divided by the layer's total.</summary>
    public static double[,] Share(IReadOnlyList<TrainPoint> steps)
    {
        int layers = steps[0].ExpertLoad.Count, experts = steps[0].ExpertLoad[0].Length;
        var sum = new double[layers, experts];
        foreach (var step in steps)
        {
            if (step.ExpertLoad.Count != layers || step.ExpertLoad.Any(l => l.Length != experts))
                throw new DataException($"step {step.Step}: expert_load is not {layers} layers × {experts} experts like step {steps[0].Step}");
            for (int l = 0; l < layers; l++)
                for (int e = 0; e < experts; e++) sum[l, e] += step.ExpertLoad[l][e];
        }
        for (int l = 0; l < layers; l++)
        {
            double total = 0;
            for (int e = 0; e < experts; e++) total += sum[l, e];
            for (int e = 0; e < experts; e++) sum[l, e] = total > 0 ? sum[l, e] / total : double.NaN;
        }
        return sum;
    }
}
