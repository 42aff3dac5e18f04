// The files of one experiment run, written atomically into --out:
//   results.json     the ExperimentResult (snake_case), every number below
//   results.md       a markdown block to paste into docs/experiments.md as it is: how it ran, the
//                    table (our validation loss, mean ± std over the seeds, beside the paper's Pile
//                    loss), every pair's paired difference with its 95% interval, the findings
//   val_loss.png     validation loss against the step, every model overlaid: the mean over the
//                    seeds, shaded from the lowest to the highest seed
//   train_loss.png   training LM loss (moving average over 10 steps, mean over the seeds), overlaid
//   redundancy.png, active_experts.png   the analysed models' sweeps (mean over seeds) overlaid (redundancy experiment)
// Not here: running anything (ExperimentRunner), judging the numbers (ExperimentFindings).
using System.Globalization;
using System.Text;
using System.Text.Json;
using MoeFromScratch.Model;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Plots;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Experiments;

public static class ExperimentReport
{
    public const string JsonFile = "results.json", MarkdownFile = "results.md";
    public const int SmoothingSteps = 10;

    /// <summary>A plot copied for the docs: its path relative to the folder above the plots folder (where docs/experiments.md is), and what it shows.</summary>
    public sealed record Figure(string RelativePath, string Caption);

    /// <summary>Writes every file into folder, and copies of the plots into plotsFolder when given
    /// (results.md then embeds them); returns the paths written.</summary>
    public static IReadOnlyList<string> Write(ExperimentResult result, string folder, string? plotsFolder = null)
    {
        var written = Plots(result, folder);
        var figures = plotsFolder is null ? [] : Publish(result, folder, plotsFolder, written);
        string json = Path.Combine(folder, JsonFile), markdown = Path.Combine(folder, MarkdownFile);
        AtomicFile.WriteAllText(json, JsonSerializer.Serialize(result, TrainJson.Default.ExperimentResult) + "\n");
        AtomicFile.WriteAllText(markdown, Markdown(result, figures));
        return [json, markdown, .. written];
    }

    // The experiment's plots and every MoE model's load heatmap (its first seed's), copied as
    // plotsFolder/<experiment>-<plot>.png and plotsFolder/<experiment>-<model>-expert_load.png.
    private static List<Figure> Publish(ExperimentResult result, string folder, string plotsFolder, List<string> written)
    {
        var figures = new List<Figure>();
        void Copy(string source, string name, string caption)
        {
            string target = Path.Combine(plotsFolder, $"{result.Experiment}-{name}");
            byte[] png = File.ReadAllBytes(source);
            AtomicFile.Write(target, stream => stream.Write(png));
            written.Add(target);
            figures.Add(new Figure($"{Path.GetFileName(Path.GetFullPath(plotsFolder).TrimEnd('/'))}/{Path.GetFileName(target)}", caption));
        }
        foreach (var plot in written.Where(p => Path.GetDirectoryName(p) == folder).ToList())
            Copy(plot, Path.GetFileName(plot), Path.GetFileNameWithoutExtension(plot).Replace('_', ' '));
        foreach (var m in result.Models.Where(m => m.Seeds[0].Analysis is not null))
            Copy(Path.Combine(m.Seeds[0].Folder, SeedTraining.AnalysisFolder, AnalysisPlots.LoadFile), $"{m.Name}-{AnalysisPlots.LoadFile}", $"{m.Name}: expert load (seed {m.Seeds[0].Seed})");
        return figures;
    }

    private static List<string> Plots(ExperimentResult result, string folder)
    {
        var written = new List<string>();

        written.Add(RunPlots.Save(CurvesPlot.Draw(result.Models.Select(m => SeedBand(m, run => run.Eval.Select(p => ((double)p.Step, p.ValidationLoss)).ToList())).ToList(),
            $"{result.Experiment}: validation loss{SeedsNote(result)}", "step", "validation loss", integerX: true), Path.Combine(folder, "val_loss.png")));
        written.Add(RunPlots.Save(CurvesPlot.Draw(result.Models.Select(m => SeedBand(m, run =>
                run.Train.Select(p => (double)p.Step).Zip(MovingAverage(run.Train.Select(p => p.LmLoss).ToList(), SmoothingSteps)).ToList(), band: false)).ToList(),
            $"{result.Experiment}: training LM loss (mean of the last {SmoothingSteps} steps{(result.Seeds.Count > 1 ? ", mean over the seeds" : "")})", "step", "LM loss",
            markers: false, integerX: true), Path.Combine(folder, "train_loss.png")));

        var analysed = result.Models.Where(m => m.Seeds[0].Analysis is { Redundancy.Count: > 0 }).Select(m => (m.Name, m.MeanAnalysis()!)).ToList();
        if (analysed.Count > 0)
        {
            written.Add(RunPlots.Save(AnalysisPlots.Redundancy(analysed), Path.Combine(folder, AnalysisPlots.RedundancyFile)));
            written.Add(RunPlots.Save(AnalysisPlots.ActiveExperts(analysed), Path.Combine(folder, AnalysisPlots.ActiveFile)));
        }
        return written;
    }

    /// <summary>The markdown block: how it ran, one row per model, the pairs, the sweeps when analysed, the findings, the figures.</summary>
    public static string Markdown(ExperimentResult r, IReadOnlyList<Figure>? figures = null)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"#### `{r.Experiment}`: {r.Summary}").AppendLine();
        md.AppendLine(c, $"Command: `{r.Command}` · scale {r.Scale} · device {r.Device} ({r.Cores} cores) · seeds {string.Join(", ", r.Seeds)} · " +
            $"{r.Steps} steps × {r.BatchSize} × {r.SequenceLength} = {r.TokensPerModel:N0} training tokens per model and seed · " +
            $"validation loss over {r.ValidationTokens:N0} tokens (token frequencies alone: {r.UnigramLoss:F4}) · started {r.Started.UtcDateTime:yyyy-MM-dd HH:mm} UTC · wall {Duration(r.WallSeconds)} in total").AppendLine();
        md.AppendLine(c, $"| model | feed-forward layer | total params | activated params | val loss (mean ± std, {r.Seeds.Count} seeds) | per seed | paper Pile loss (2B) | load max/mean | NMI(kind; expert) | wall |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in r.Models)
            md.AppendLine(c, $"| {m.Name} | {m.Design} | {m.TotalParameters:N0} | {m.ActivatedParameters:N0} | " +
                $"{m.ValidationLoss:F4}{(m.ValidationLossStd is double std ? $" ± {std:F4}" : "")} | {string.Join(" / ", m.Losses.Select(l => l.ToString("F4", c)))} | " +
                $"{Number(m.PaperLoss, "F3", c)} | {Number(m.MeanOfAnalyses(a => a.Layers.Average(l => l.Load.MaxOverMean)), "F2", c)} | " +
                $"{Number(m.MeanOfAnalyses(a => a.MeanSpecialization), "F4", c)} | {Duration(m.WallSeconds)} |");
        md.AppendLine();
        md.AppendLine("Load max/mean and NMI (the specialisation score, `moe analyze`) are means over the MoE layers and the seeds on the validation split; " +
            "a hash router's NMI is what token identity alone gives.").AppendLine();

        md.AppendLine("| B − A (val loss) | mean | 95% interval over seeds | called |");
        md.AppendLine("|---|---:|---:|---|");
        foreach (var p in r.Comparisons)
            md.AppendLine(c, $"| {p.B} − {p.A} | {ExperimentFindings.Signed(p.Difference.Mean)} | {ExperimentFindings.Bounds(p.Difference)} | " +
                $"{(p.Difference.Sign > 0 ? $"{p.A} better" : p.Difference.Sign < 0 ? $"{p.B} better" : "no")} |");
        md.AppendLine();

        var analysed = r.Models.Where(m => m.Seeds[0].Analysis is { Redundancy.Count: > 0 }).Select(m => (m.Name, Analysis: m.MeanAnalysis()!, Nmi: m.MeanOfAnalyses(a => a.MeanSpecialization))).ToList();
        if (analysed.Count > 0)
        {
            string over = r.Seeds.Count > 1 ? " (means over the seeds)" : "";
            md.AppendLine("| top experts disabled | " + string.Join(" | ", analysed.Select(m => $"{m.Name} val loss (Δ){over}")) + " |");
            md.AppendLine("|---|" + string.Concat(analysed.Select(_ => "---:|")));
            for (int i = 0; i < analysed[0].Analysis.Redundancy.Count; i++)
                md.AppendLine($"| r ≈ {ExpertAnalysis.DisabledSixteenths[i]}/16 | " + string.Join(" | ", analysed.Select(m => Cell(m.Analysis, i, c))) + " |");
            md.AppendLine();
            foreach (var (name, a, nmi) in analysed)
                md.AppendLine($"{name}, fewer activated routed experts{over}: " +
                    string.Join(", ", a.ActiveExpertsSweep.Select(p => $"K' = {p.ActiveExperts}: {p.ValidationLoss.ToString("F4", c)}")) +
                    "; specialisation score (NMI, mean over layers): " + Number(nmi, "F4", c) + ".");
            md.AppendLine();
        }
        md.AppendLine(c, $"Paper: {r.PaperClaim}.").AppendLine();
        foreach (var f in r.Findings) md.AppendLine(c, $"- {f}");
        foreach (var f in figures ?? [])
            md.AppendLine().AppendLine(c, $"![{r.Experiment}: {f.Caption}]({f.RelativePath})").AppendLine().AppendLine(c, $"*{f.Caption}*; produced by `{r.Command}`.");
        return md.ToString();
    }

    private static string Number(double? value, string format, CultureInfo c) => value is double v ? v.ToString(format, c) : "—";

    private static string Cell(AnalysisResult a, int i, CultureInfo c)
    {
        if (i >= a.Redundancy.Count) return "—";
        var p = a.Redundancy[i];
        return p.ValidationLoss is double v ? $"{v.ToString("F4", c)} ({(v - a.ValidationLoss).ToString("+0.0000;-0.0000;0", c)}), {p.Disabled} of {a.RoutedExperts}" : $"skipped: {p.Skipped}";
    }

    private static string SeedsNote(ExperimentResult r) => r.Seeds.Count > 1 ? $" (mean of {r.Seeds.Count} seeds, band: lowest to highest seed)" : "";

    // One model's curve over its seeds: at each x of the first seed, the mean and (band) the lowest and highest seed.
    private static Curve SeedBand(ModelResult m, Func<RunMetrics, List<(double X, double Y)>> points, bool band = true)
    {
        var perSeed = m.Seeds.Select(s => points(MetricsFile.Read(Path.Combine(s.Folder, MetricsLog.FileName)))).ToList();
        int n = perSeed.Min(p => p.Count);
        var at = Enumerable.Range(0, n).Select(i => perSeed.Select(p => p[i].Y).ToList()).ToList();
        var xs = perSeed[0].Take(n).Select(p => p.X).ToList();
        bool banded = band && m.Seeds.Count > 1;
        return new Curve(m.Name, xs, [.. at.Select(ys => ys.Average())], banded ? [.. at.Select(ys => ys.Min())] : null, banded ? [.. at.Select(ys => ys.Max())] : null);
    }

    private static string Duration(double seconds) =>
        seconds >= 90 ? $"{Math.Floor(seconds / 60):F0} min {seconds % 60:F0} s" : $"{seconds:F1} s";

    private static List<double> MovingAverage(IReadOnlyList<double> values, int window)
    {
        var averaged = new List<double>(values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            var recent = values.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Where(double.IsFinite).ToList();
            averaged.Add(recent.Count == 0 ? double.NaN : recent.Average());
        }
        return averaged;
    }
}
