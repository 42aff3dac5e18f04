// LoadStats: how evenly one MoE layer spread its routed token slots over its E experts during an
// analysis pass. Tokens[e] counts the (token, slot) assignments expert e received, so the counts of
// a layer sum to N·K'. Balanced routing has max/mean = 1 and CV = 0; a collapsed router that
// sends everything to one expert has max/mean = E and CV = √(E−1).
// Not here: the balance loss (Model/Moe/BalanceLoss.cs), which weighs the same counts by the scores.
namespace MoeFromScratch.Train.Analysis;

/// <param name="Tokens">(E) assignments per routed expert.</param>
/// <param name="Mean">Mean of Tokens: N·K' / E.</param>
/// <param name="MaxOverMean">Busiest expert's load over the mean (1 = balanced).</param>
/// <param name="Cv">Coefficient of variation: population standard deviation / mean (0 = balanced).</param>
public sealed record LoadStats(long[] Tokens, long Min, long Max, double Mean, double MaxOverMean, double Cv)
{
    public static LoadStats Of(IReadOnlyList<long> tokens)
    {
        if (tokens.Count == 0) throw new ArgumentException("LoadStats: no experts");
        long total = tokens.Sum();
        if (total <= 0) throw new ArgumentException("LoadStats: no routed tokens (every count is 0)");
        double mean = (double)total / tokens.Count;
        double variance = tokens.Sum(n => (n - mean) * (n - mean)) / tokens.Count;
        return new LoadStats([.. tokens], tokens.Min(), tokens.Max(), mean, tokens.Max() / mean, Math.Sqrt(variance) / mean);
    }
}
