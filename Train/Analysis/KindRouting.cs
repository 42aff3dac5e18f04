// KindRouting: one MoE layer's routing split by the kind of text of each token (prose, code,
// markup): each kind's distribution over the routed experts, how far it stands from the overall
// one (Jensen–Shannon), the experts it over-uses most, and the layer's specialisation score
// NMI = I(kind; expert) / H(kind) (the formulas and their limits: Specialization.cs).
// Built from a (kinds × E) table of assignment counts; kinds without tokens are left out.
namespace MoeFromScratch.Train.Analysis;

/// <param name="Expert">Routed expert index.</param>
/// <param name="Share">Fraction of the kind's assignments that went to this expert.</param>
/// <param name="Lift">Share over the expert's share of all assignments (1 = no preference).</param>
public sealed record ExpertPreference(int Expert, double Share, double Lift);

/// <param name="Tokens">Tokens of this kind in the pass (assignments / K').</param>
/// <param name="Share">(E) the kind's distribution over the routed experts.</param>
/// <param name="JsdToAll">JS divergence, bits, between Share and the distribution over all kinds.</param>
/// <param name="MostOverUsed">The experts with the highest lift, best first.</param>
public sealed record KindDistribution(string Kind, long Tokens, double[] Share, double JsdToAll, IReadOnlyList<ExpertPreference> MostOverUsed);

/// <param name="NormalizedMutualInformation">The specialisation score I/H(kind); null with fewer than two kinds.</param>
public sealed record KindRouting(IReadOnlyList<KindDistribution> Kinds, double MutualInformationBits, double KindEntropyBits, double? NormalizedMutualInformation)
{
    public const int TopExperts = 3;

    /// <param name="kindNames">One name per row of counts.</param>
    /// <param name="counts">(kinds, E) assignments of each kind's tokens to each routed expert.</param>
    /// <param name="activeExperts">K': assignments per token.</param>
    public static KindRouting Of(IReadOnlyList<string> kindNames, long[,] counts, int activeExperts)
    {
        int kinds = counts.GetLength(0), experts = counts.GetLength(1);
        if (kindNames.Count != kinds) throw new ArgumentException($"KindRouting: {kindNames.Count} names for {kinds} kinds");
        var present = Enumerable.Range(0, kinds).Where(k => Row(counts, k).Sum() > 0).ToArray();
        if (present.Length == 0) throw new ArgumentException("KindRouting: no routed tokens");
        var table = new long[present.Length, experts];
        for (int i = 0; i < present.Length; i++)
            for (int e = 0; e < experts; e++) table[i, e] = counts[present[i], e];

        var all = Specialization.Distribution(Enumerable.Range(0, experts).Select(e => present.Sum(k => counts[k, e])).ToArray());
        var distributions = present.Select(k =>
        {
            var row = Row(counts, k);
            var share = Specialization.Distribution(row);
            var over = Enumerable.Range(0, experts).Where(e => share[e] > 0)
                .Select(e => new ExpertPreference(e, share[e], share[e] / all[e]))
                .OrderByDescending(p => p.Lift).ThenBy(p => p.Expert).Take(TopExperts).ToList();
            return new KindDistribution(kindNames[k], row.Sum() / activeExperts, share, Specialization.JensenShannonBits(share, all), over);
        }).ToList();

        double mi = Specialization.MutualInformationBits(table);
        var kindShare = Specialization.Distribution(present.Select(k => Row(counts, k).Sum()).ToArray());
        double h = Specialization.EntropyBits(kindShare);
        return new KindRouting(distributions, mi, h, present.Length < 2 || h <= 0 ? null : Math.Min(1, mi / h));
    }

    private static long[] Row(long[,] counts, int row) =>
        Enumerable.Range(0, counts.GetLength(1)).Select(e => counts[row, e]).ToArray();
}
