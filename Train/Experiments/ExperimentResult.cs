// What one run of an experiment produced, as records that serialise straight to results.json
// (snake_case): how it ran (command, device, budget, seeds, wall time); per model, its size, the
// paper's number, and one SeedRun per seed (its validation loss over the whole validation split,
// its analysis); the mean ± sample std over the seeds; and every pair of models' paired difference
// over the seeds (SeedStatistics), which the findings and the table's intervals read.
using MoeFromScratch.Train.Analysis;

namespace MoeFromScratch.Train.Experiments;

/// <summary>One model trained with one seed. Also written alone as OUT/&lt;model&gt;/seed-&lt;s&gt;/seed_result.json, so a rerun skips it.</summary>
/// <param name="ValidationLoss">Mean next-token cross-entropy over the whole validation split after training.</param>
/// <param name="Steps">Optimizer steps it trained (a rerun with another budget must not reuse it).</param>
/// <param name="TrainSeconds">Wall time of the training loop alone; WallSeconds adds the final evaluation, analysis and save.</param>
/// <param name="Folder">The run folder: metrics.jsonl, its checkpoint, analysis/ when analysed.</param>
/// <param name="Checkpoint">The final checkpoint (an HF model folder plus optimizer and trainer state).</param>
/// <param name="Analysis">The expert analysis on the validation split (with the sweeps in the redundancy experiment); null for the dense model.</param>
public sealed record SeedRun(
    ulong Seed, long Steps, double ValidationLoss, double TrainSeconds, double WallSeconds, string Folder, string Checkpoint, AnalysisResult? Analysis);

public sealed record ModelResult(
    string Name, string Design, string MoeKind, long TotalParameters, long ActivatedParameters, double? PaperLoss, IReadOnlyList<SeedRun> Seeds)
{
    /// <summary>The validation loss per seed, in the experiment's seed order.</summary>
    public IReadOnlyList<double> Losses => [.. Seeds.Select(s => s.ValidationLoss)];

    /// <summary>Mean validation loss over the seeds.</summary>
    public double ValidationLoss => SeedStatistics.Mean(Losses);

    /// <summary>Sample standard deviation of the validation loss over the seeds; null for one seed (JSON has no NaN).</summary>
    public double? ValidationLossStd => Seeds.Count > 1 ? SeedStatistics.SampleStd(Losses) : null;

    /// <summary>Total wall time over the seeds.</summary>
    public double WallSeconds => Seeds.Sum(s => s.WallSeconds);

    /// <summary>The mean over seeds of a number the analysis gives; null when any seed lacks it.</summary>
    public double? MeanOfAnalyses(Func<AnalysisResult, double?> value)
    {
        var values = Seeds.Select(s => s.Analysis is null ? null : value(s.Analysis)).ToList();
        return values.Count > 0 && values.All(v => v is not null) ? values.Average() : null;
    }

    /// <summary>The first seed's analysis with every loss (plain pass, each sweep point) replaced by its mean over the seeds; null without analysis.</summary>
    public AnalysisResult? MeanAnalysis()
    {
        if (Seeds.Any(s => s.Analysis is null)) return null;
        var first = Seeds[0].Analysis!;
        double? MeanAt(Func<AnalysisResult, double?> loss) => Seeds.All(s => loss(s.Analysis!) is not null) ? Seeds.Average(s => loss(s.Analysis!)!.Value) : null;
        return first with
        {
            ValidationLoss = MeanAt(a => a.ValidationLoss)!.Value,
            Redundancy = [.. first.Redundancy.Select((p, i) => p with { ValidationLoss = MeanAt(a => a.Redundancy[i].ValidationLoss) })],
            ActiveExpertsSweep = [.. first.ActiveExpertsSweep.Select((p, i) => p with { ValidationLoss = MeanAt(a => a.ActiveExpertsSweep[i].ValidationLoss)!.Value })],
        };
    }
}

/// <summary>B − A over the experiment's seeds (positive: B's loss is higher).</summary>
public sealed record ModelComparison(string A, string B, PairedDifference Difference);

/// <param name="TokensPerModel">Training tokens each model saw per seed: Steps·B·T.</param>
/// <param name="ValidationTokens">Tokens the final validation loss averages over.</param>
/// <param name="UnigramLoss">The same validation loss for token frequencies alone (Analysis/UnigramBaseline.cs).</param>
/// <param name="Comparisons">Every pair of models, paired over the seeds, in table order.</param>
/// <param name="Findings">One line per comparison the paper makes, computed from the numbers above.</param>
public sealed record ExperimentResult(
    string Experiment, string Summary, string PaperClaim, string Command, string Scale, string Device, int Cores, IReadOnlyList<ulong> Seeds,
    long Steps, int BatchSize, int SequenceLength, long TokensPerModel, long ValidationTokens, double UnigramLoss, string Data,
    DateTimeOffset Started, double WallSeconds, IReadOnlyList<ModelResult> Models, IReadOnlyList<ModelComparison> Comparisons, IReadOnlyList<string> Findings)
{
    /// <summary>Every pair (i &lt; j) of models: models[j] − models[i] over the seeds.</summary>
    public static IReadOnlyList<ModelComparison> Compare(IReadOnlyList<ModelResult> models) =>
        [.. from i in Enumerable.Range(0, models.Count)
            from j in Enumerable.Range(i + 1, models.Count - i - 1)
            select new ModelComparison(models[i].Name, models[j].Name, SeedStatistics.Paired(models[i].Losses, models[j].Losses))];
}
