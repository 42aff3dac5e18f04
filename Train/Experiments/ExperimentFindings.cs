// ExperimentFindings: what an experiment's numbers say about the paper's claim, one sentence per
// comparison, computed (never written by hand) so that results.md states the outcome whatever it
// is: the ordering against Table 1, the sign of each ablation, how close DeepSeekMoE and GShard×1.5
// come and whose loss rises faster as top experts are disabled. Every difference is paired over
// the seeds (SeedStatistics) and is called only when its 95% interval excludes zero; otherwise it
// is reported as not resolved at this budget, and with one seed nothing is called.
namespace MoeFromScratch.Train.Experiments;

/// <summary>How the pairs the paper orders come out here.</summary>
/// <param name="AgreeByMean">Pairs whose mean losses are in the paper's order (resolved or not).</param>
/// <param name="Agree">Pairs resolved (interval excludes zero) in the paper's order.</param>
/// <param name="Against">Pairs resolved in the opposite order.</param>
public sealed record PaperOrder(int Pairs, int AgreeByMean, int Agree, int Against)
{
    public int Unresolved => Pairs - Agree - Against;
}

public static class ExperimentFindings
{
    public static IReadOnlyList<string> Of(Experiment experiment, IReadOnlyList<ModelResult> models)
    {
        var byName = models.ToDictionary(m => m.Name);
        List<string> findings = experiment.Name switch
        {
            "baselines" => [.. Ordering(models), .. Specialisation(models)],
            "ablation-shared" => [Pair(byName["deepseekmoe"], byName["no-shared"], "the shared expert"),
                Pair(byName["gshard-shared"], byName["gshard"], "a shared expert added to GShard")],
            "ablation-granularity" => [Monotone(models, "granularity", "finer")],
            "ablation-shared-ratio" => [AgainstFirst(models, "the paper's three differ by at most 0.005 (1.808 / 1.806 / 1.811): the ratio matters little")],
            "redundancy" => Redundancy(byName["deepseekmoe"], byName["gshard-x1.5"]),
            _ => [],
        };
        int seeds = models[0].Seeds.Count;
        findings.Add(seeds < 2
            ? "Single seed: there is no spread to measure, so no difference above is called; rerun with --seeds 1,2,3."
            : $"{seeds} seeds per model: a difference is called only when its 95% paired t interval over the seeds excludes zero.");
        return findings;
    }

    /// <summary>d's mean with its 95% interval, e.g. "+0.0113 [-0.0021, +0.0247]".</summary>
    public static string Interval(PairedDifference d) => $"{Signed(d.Mean)} {Bounds(d)}";

    /// <summary>d's 95% interval, e.g. "[-0.0021, +0.0247]", or "(one seed)" when there is none.</summary>
    public static string Bounds(PairedDifference d) =>
        d is { Lower: double lower, Upper: double upper } ? $"[{Signed(lower)}, {Signed(upper)}]" : "(one seed)";

    public static string Signed(double value) => value.ToString("+0.0000;-0.0000;0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The pairs of models (a, b) that the paper orders, and how ours orders them: by mean, and resolved over the seeds.</summary>
    public static PaperOrder PairsInPaperOrder(IReadOnlyList<ModelResult> models)
    {
        var ranked = models.Where(m => m.PaperLoss is not null).ToList();
        int pairs = 0, byMean = 0, agree = 0, against = 0;
        for (int i = 0; i < ranked.Count; i++)
            for (int j = i + 1; j < ranked.Count; j++)
            {
                if (ranked[i].PaperLoss == ranked[j].PaperLoss) continue;
                pairs++;
                int paper = Math.Sign(ranked[j].PaperLoss!.Value - ranked[i].PaperLoss!.Value);
                var d = SeedStatistics.Paired(ranked[i].Losses, ranked[j].Losses);
                if (Math.Sign(d.Mean) == paper) byMean++;
                if (d.Sign == paper) agree++;
                else if (d.Sign == -paper) against++;
            }
        return new PaperOrder(pairs, byMean, agree, against);
    }

    private static List<string> Ordering(IReadOnlyList<ModelResult> models)
    {
        string ours = string.Join(" < ", models.OrderBy(m => m.ValidationLoss).Select(m => $"{m.Name} {m.ValidationLoss:F4}"));
        string paper = string.Join(" < ", models.Where(m => m.PaperLoss is not null).OrderBy(m => m.PaperLoss).Select(m => $"{m.Name} {m.PaperLoss:F3}"));
        var order = PairsInPaperOrder(models);
        return [$"Ordering by mean validation loss, best first — ours: {ours}; paper (Pile): {paper}. " +
            $"{order.AgreeByMean} of {order.Pairs} pairs in the paper's order by the means; over the seeds {order.Agree} are resolved in the paper's order, " +
            $"{order.Against} resolved against it and {order.Unresolved} not resolved: the paper's ordering " +
            $"{(order.Agree == order.Pairs ? "holds" : order.Against > 0 ? "does not hold" : "cannot be decided at this budget")}."];
    }

    // The specialisation score of every MoE model, against the hash router's (token identity alone).
    private static List<string> Specialisation(IReadOnlyList<ModelResult> models)
    {
        var scored = models.Select(m => (m.Name, m.MoeKind, Score: m.MeanOfAnalyses(a => a.MeanSpecialization)))
            .Where(m => m.Score is not null).OrderByDescending(m => m.Score).ToList();
        if (scored.Count == 0) return [];
        var hash = scored.FirstOrDefault(m => m.MoeKind == "hash");
        return [$"Specialisation by kind of text (NMI, mean over layers and seeds), highest first: {string.Join(", ", scored.Select(m => $"{m.Name} {m.Score:F4}"))}" +
            (hash.Name is null ? "." : $"; the hash router's {hash.Score:F4} is what token identity alone gives, " +
            $"and {scored.Count(m => m.Score > hash.Score)} learned router(s) exceed it.")];
    }

    private static string Pair(ModelResult with, ModelResult without, string what)
    {
        var d = SeedStatistics.Paired(with.Losses, without.Losses);   // without − with: positive when the shared expert helps
        string verdict = d.Sign switch
        {
            1 => "the paper's direction (it helps), beyond the seed spread",
            -1 => "the opposite of the paper's direction, beyond the seed spread",
            _ => d.Seeds < 2 ? "not called (one seed)" : "not resolved at this budget (the interval includes zero)",
        };
        return $"With {what} ({with.Name}) {with.ValidationLoss:F4}, without ({without.Name}) {without.ValidationLoss:F4}: " +
            $"removing it changes the loss by {Interval(d)}: {verdict}.";
    }

    // Each model against the next one in table order (finer, or more shared experts): is the loss lower at every step?
    private static string Monotone(IReadOnlyList<ModelResult> models, string what, string claim)
    {
        var steps = models.Zip(models.Skip(1), (a, b) => (a, b, d: SeedStatistics.Paired(a.Losses, b.Losses))).ToList();
        string verdict = steps.All(s => s.d.Sign < 0) ? "yes, beyond the seed spread at every step"
            : steps.Any(s => s.d.Sign > 0) ? "no: at least one step is resolved the other way"
            : "not resolved at this budget";
        return $"Validation loss by {what}: {string.Join(", ", models.Select(m => $"{m.Name} {m.ValidationLoss:F4}"))}; " +
            $"differences {string.Join(", ", steps.Select(s => $"{s.b.Name} − {s.a.Name} {Interval(s.d)}"))}; {claim} is better at every step: {verdict}.";
    }

    // Every model against the first (the reference design), and how many of the differences are resolved.
    private static string AgainstFirst(IReadOnlyList<ModelResult> models, string paper)
    {
        var first = models[0];
        var rest = models.Skip(1).Select(m => (m, d: SeedStatistics.Paired(first.Losses, m.Losses))).ToList();
        return $"Validation loss: {string.Join(", ", models.Select(m => $"{m.Name} {m.ValidationLoss:F4}"))}; against {first.Name}: " +
            $"{string.Join(", ", rest.Select(r => $"{r.m.Name} {Interval(r.d)}"))}; {rest.Count(r => r.d.Resolved)} of {rest.Count} resolved ({paper}).";
    }

    private static List<string> Redundancy(ModelResult deepSeek, ModelResult gshard)
    {
        var gap = SeedStatistics.Paired(gshard.Losses, deepSeek.Losses);   // deepseek − gshard
        var findings = new List<string>
        {
            $"Validation loss {deepSeek.Name} {deepSeek.ValidationLoss:F4} vs {gshard.Name} {gshard.ValidationLoss:F4}: {deepSeek.Name} − {gshard.Name} {Interval(gap)} " +
            $"({(gap.Sign == 0 ? "no difference resolved" : gap.Sign < 0 ? $"{deepSeek.Name} better beyond the seed spread" : $"{deepSeek.Name} worse beyond the seed spread")}); " +
            "the paper's two models match (1.808 each).",
        };
        // per seed, the loss rise at each ratio; paired over the seeds, deepseek's rise minus gshard's
        var ratios = deepSeek.Seeds[0].Analysis!.Redundancy.Select((p, i) => (p.RatioLabel, i)).Where(r => r.i > 0).ToList();
        var rises = ratios.Select(r => (r.RatioLabel, d: SeedStatistics.Paired(Rises(gshard, r.i), Rises(deepSeek, r.i))))
            .Where(r => r.d.Seeds > 0 && double.IsFinite(r.d.Mean)).ToList();
        if (rises.Count > 0)
        {
            int faster = rises.Count(r => r.d.Sign > 0), slower = rises.Count(r => r.d.Sign < 0);
            findings.Add($"Loss rise as top experts are disabled, {deepSeek.Name}'s minus {gshard.Name}'s: " +
                string.Join(", ", rises.Select(r => $"{r.RatioLabel} {Interval(r.d)}")) +
                $"; resolved faster for {deepSeek.Name} at {faster} of {rises.Count} ratios, slower at {slower}: the paper's claim (less redundancy in DeepSeekMoE) " +
                $"{(faster == rises.Count ? "holds" : slower > 0 ? "does not hold" : faster > 0 ? "partly holds" : "cannot be decided at this budget")}.");
        }
        var noShared = deepSeek.Seeds.Select(s => s.Analysis!.SharedDisabledLoss).ToList();
        if (noShared.All(v => v is not null))
        {
            var a = deepSeek.Seeds[0].Analysis!;
            var d = SeedStatistics.Paired([.. deepSeek.Seeds.Select(s => s.Analysis!.ValidationLoss)], [.. noShared.Select(v => v!.Value)]);
            findings.Add($"{deepSeek.Name} with its shared expert disabled at inference ({a.ActiveExperts + a.SharedExperts} routed experts per token instead): " +
                $"{noShared.Average():F4} against {deepSeek.ValidationLoss:F4}, a change of {Interval(d)} (the paper's 2B: 1.808 -> 2.414, +0.606).");
        }
        var sweep = deepSeek.Seeds[0].Analysis!.ActiveExpertsSweep;
        var enough = sweep.Select((p, i) => (p.ActiveExperts, Loss: deepSeek.Seeds.Average(s => s.Analysis!.ActiveExpertsSweep[i].ValidationLoss)))
            .FirstOrDefault(p => p.Loss <= gshard.ValidationLoss);
        findings.Add(enough.ActiveExperts == 0
            ? $"No K' ≤ {sweep.Count} lets {deepSeek.Name} reach {gshard.Name}'s mean loss (the paper: 4 of 63 routed experts matched GShard)."
            : $"{deepSeek.Name} with K' = {enough.ActiveExperts} of {deepSeek.Seeds[0].Analysis!.RoutedExperts} routed experts already reaches {gshard.Name}'s mean loss " +
              $"({enough.Loss:F4}, mean over seeds; the paper: 4 of 63 matched GShard).");
        return findings;
    }

    // Per seed: the loss with the top experts of ratio i disabled, minus the plain loss (NaN where the point was skipped).
    private static List<double> Rises(ModelResult m, int i) =>
        [.. m.Seeds.Select(s => (s.Analysis!.Redundancy[i].ValidationLoss ?? double.NaN) - s.Analysis.ValidationLoss)];
}
