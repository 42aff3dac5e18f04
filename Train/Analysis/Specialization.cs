// Specialization: how much the routed experts a token gets depend on the kind of text it is.
// The score, per MoE layer, is the normalised mutual information between kind and expert,
//   NMI = I(kind; expert) / H(kind)        in [0, 1], logs base 2
// over the layer's (token, routed slot) assignments: each of a token's K' picks counts once, so
// P(kind, expert) = assignments of kind-k tokens to expert e / all assignments. NMI is 0 exactly when
// every kind has the same expert distribution, and 1 when the expert determines the kind (the kinds
// use disjoint sets of experts): "the fraction of the uncertainty about a token's kind that its
// routed experts remove". Per kind, the Jensen–Shannon divergence (bits, in [0, 1]) between that
// kind's expert distribution and the distribution over all kinds says which kind stands apart.
// Known limit: estimated from counts, I is biased upwards by about (kinds−1)(E−1) / (2·N·ln 2) bits
// for N assignments (Miller 1955): 0.0003 bits at 3 kinds, E = 63, N = 300K — negligible here, but a
// tiny --batches makes a random router look slightly specialised. Token identity alone also correlates
// with kind, so even a fixed hash router scores above 0: compare against the hash baseline.
namespace MoeFromScratch.Train.Analysis;

public static class Specialization
{
    /// <summary>counts / Σ counts.</summary>
    public static double[] Distribution(IReadOnlyList<long> counts)
    {
        long total = counts.Sum();
        if (total <= 0) throw new ArgumentException("Specialization: an empty distribution (all counts 0)");
        return counts.Select(n => (double)n / total).ToArray();
    }

    /// <summary>H(p) = −Σ p log2 p, in bits.</summary>
    public static double EntropyBits(IReadOnlyList<double> p) => -p.Where(x => x > 0).Sum(x => x * Math.Log2(x));

    /// <summary>KL(p ‖ q) = Σ p log2(p / q), in bits; infinite where p &gt; 0 = q.</summary>
    public static double KlBits(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        if (p.Count != q.Count) throw new ArgumentException($"Specialization: distributions of {p.Count} and {q.Count} outcomes");
        double kl = 0;
        for (int i = 0; i < p.Count; i++)
            if (p[i] > 0) kl += q[i] > 0 ? p[i] * Math.Log2(p[i] / q[i]) : double.PositiveInfinity;
        return kl;
    }

    /// <summary>JS(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q) / 2: bits, 0 for p = q, 1 for disjoint supports.</summary>
    public static double JensenShannonBits(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        var m = p.Zip(q, (a, b) => (a + b) / 2).ToArray();
        return Math.Clamp(KlBits(p, m) / 2 + KlBits(q, m) / 2, 0, 1);
    }

    /// <summary>I(row; column) in bits of a contingency table of counts (rows: kinds, columns: experts).</summary>
    public static double MutualInformationBits(long[,] counts)
    {
        int rows = counts.GetLength(0), columns = counts.GetLength(1);
        var rowSum = new long[rows];
        var columnSum = new long[columns];
        long total = 0;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                rowSum[r] += counts[r, c];
                columnSum[c] += counts[r, c];
                total += counts[r, c];
            }
        if (total <= 0) throw new ArgumentException("Specialization: an empty table (all counts 0)");
        double mi = 0;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                if (counts[r, c] == 0) continue;
                // p(r,c) / (p(r) p(c)) = n·N / (n_r·n_c): integer products, exact in double below 2^53,
                // so rows with proportional counts give a ratio of exactly 1 and I = 0 exactly.
                double ratio = (double)counts[r, c] * total / ((double)rowSum[r] * columnSum[c]);
                mi += (double)counts[r, c] / total * Math.Log2(ratio);
            }
        return Math.Max(0, mi);
    }
}
