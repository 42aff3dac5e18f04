// ExperimentFindings: what an experiment's numbers say about the paper's claim, one sentence per
// comparison, computed (never written by hand) so that results.md states the outcome whatever it
// is: the ordering against Table 1, the sign of each ablation, how close DeepSeekMoE and GShard×1.5
// come and whose loss rises faster as top experts are disabled. Every run is a single seed, and
// the seed-to-seed spread is not measured, so small gaps are reported as they are, not as evidence.
namespace MoeFromScratch.Train.Experiments;

public static class ExperimentFindings
{
    public static IReadOnlyList<string> Of(Experiment experiment, IReadOnlyList<ModelResult> models)
    {
        List<string> findings = experiment.Name switch
        {
            "baselines" => Ordering(models),
            "ablation-shared" => [Pair(models[0], models[1], "the shared expert")],
            "ablation-granularity" => [Granularity(models)],
            "redundancy" => Redundancy(models[0], models[1]),
            _ => [],
        };
        findings.Add("Single seed: gaps smaller than the seed-to-seed spread (not measured here) are not evidence either way.");
        return findings;
    }

    /// <summary>Pairs of models (a, b) that the paper orders, and how many of them ours orders the same way.</summary>
    public static (int Agree, int Pairs) PairsInPaperOrder(IReadOnlyList<ModelResult> models)
    {
        var ranked = models.Where(m => m.PaperLoss is not null).ToList();
        int agree = 0, pairs = 0;
        for (int i = 0; i < ranked.Count; i++)
            for (int j = i + 1; j < ranked.Count; j++)
            {
                if (ranked[i].PaperLoss == ranked[j].PaperLoss) continue;
                pairs++;
                if (Math.Sign(ranked[i].PaperLoss!.Value - ranked[j].PaperLoss!.Value) == Math.Sign(ranked[i].ValidationLoss - ranked[j].ValidationLoss)) agree++;
            }
        return (agree, pairs);
    }

    private static List<string> Ordering(IReadOnlyList<ModelResult> models)
    {
        string ours = string.Join(" < ", models.OrderBy(m => m.ValidationLoss).Select(m => $"{m.Name} {m.ValidationLoss:F3}"));
        string paper = string.Join(" < ", models.Where(m => m.PaperLoss is not null).OrderBy(m => m.PaperLoss).Select(m => $"{m.Name} {m.PaperLoss:F3}"));
        var (agree, pairs) = PairsInPaperOrder(models);
        return [$"Ordering by validation loss, best first — ours: {ours}; paper (Pile): {paper}. " +
            $"{agree} of {pairs} pairs in the paper's order: the ordering {(agree == pairs ? "matches" : "does not match")}."];
    }

    private static string Pair(ModelResult with, ModelResult without, string what)
    {
        double gap = without.ValidationLoss - with.ValidationLoss;
        return $"With {what} ({with.Name}) {with.ValidationLoss:F4}, without ({without.Name}) {without.ValidationLoss:F4}: " +
            $"removing it {(gap > 0 ? "raises" : "lowers")} the loss by {Math.Abs(gap):F4}; the paper's direction (it helps) is {(gap > 0 ? "reproduced" : "not reproduced")}.";
    }

    private static string Granularity(IReadOnlyList<ModelResult> models)
    {
        bool finerIsBetter = models.Zip(models.Skip(1)).All(p => p.Second.ValidationLoss < p.First.ValidationLoss);
        return $"Validation loss by granularity: {string.Join(", ", models.Select(m => $"{m.Name} {m.ValidationLoss:F4}"))}; " +
            $"finer is better at every step: {(finerIsBetter ? "yes, as in the paper" : "no, unlike the paper")}.";
    }

    private static List<string> Redundancy(ModelResult deepSeek, ModelResult gshard)
    {
        var a = deepSeek.Analysis!;
        var b = gshard.Analysis!;
        double gap = deepSeek.ValidationLoss - gshard.ValidationLoss;
        var findings = new List<string>
        {
            $"Validation loss {deepSeek.Name} {deepSeek.ValidationLoss:F4} vs {gshard.Name} {gshard.ValidationLoss:F4}: a gap of {Math.Abs(gap):F4} " +
            $"({100 * Math.Abs(gap) / gshard.ValidationLoss:F1}%, {deepSeek.Name} {(gap < 0 ? "better" : "worse")}); the paper's two models match (1.808 each).",
        };
        var rises = a.Redundancy.Zip(b.Redundancy).Where(p => p.First.Ratio > 0 && p.First.ValidationLoss is not null && p.Second.ValidationLoss is not null)
            .Select(p => (p.First.RatioLabel, Ours: p.First.ValidationLoss!.Value - a.ValidationLoss, Theirs: p.Second.ValidationLoss!.Value - b.ValidationLoss)).ToList();
        if (rises.Count > 0)
        {
            int faster = rises.Count(r => r.Ours > r.Theirs);
            findings.Add($"Loss rise as top experts are disabled ({deepSeek.Name} / {gshard.Name}): " +
                string.Join(", ", rises.Select(r => $"{r.RatioLabel} {r.Ours:+0.0000;-0.0000;0} / {r.Theirs:+0.0000;-0.0000;0}")) +
                $"; {deepSeek.Name} rises faster at {faster} of {rises.Count} ratios: the paper's claim (less redundancy in DeepSeekMoE) is " +
                $"{(faster == rises.Count ? "reproduced" : faster == 0 ? "not reproduced" : "partly reproduced")}.");
        }
        var enough = a.ActiveExpertsSweep.FirstOrDefault(p => p.ValidationLoss <= gshard.ValidationLoss);
        findings.Add(enough is null
            ? $"No K' ≤ {a.ActiveExperts} lets {deepSeek.Name} reach {gshard.Name}'s loss (the paper: 4 of 63 routed experts matched GShard)."
            : $"{deepSeek.Name} with K' = {enough.ActiveExperts} of {a.RoutedExperts} routed experts already reaches {gshard.Name}'s loss ({enough.ValidationLoss:F4}; the paper: 4 of 63 matched GShard).");
        return findings;
    }
}
