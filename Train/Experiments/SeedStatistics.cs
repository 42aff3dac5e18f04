// SeedStatistics: what an experiment can say about n seeds per model — the mean and the sample
// standard deviation of a model's validation loss, and the paired difference of two models over the
// same seeds with a two-sided 95% Student-t confidence interval:
//   d_s = b_s − a_s                 (seed s: both models saw the same batches and init seed)
//   d̄ ± t_{0.975, n−1} · s_d / √n    s_d the sample std of the d_s (n − 1 in the denominator)
// Pairing removes what the two models share per seed (the batch order), so the interval is the
// honest one for "is b worse than a here". A difference is called only when the interval excludes
// zero (Resolved); with one seed there is no spread, so nothing is called.
// Not here: which pairs an experiment compares, or the wording of its findings (ExperimentFindings).
namespace MoeFromScratch.Train.Experiments;

/// <summary>b − a over paired seeds.</summary>
/// <param name="Mean">d̄, the mean of the per-seed differences.</param>
/// <param name="Std">s_d, their sample standard deviation; null for one seed (JSON has no NaN).</param>
/// <param name="Lower">d̄ − t·s_d/√n; null for one seed.</param>
/// <param name="Upper">d̄ + t·s_d/√n; null for one seed.</param>
public sealed record PairedDifference(double Mean, double? Std, int Seeds, double? Lower, double? Upper)
{
    /// <summary>The rule every finding uses: a difference is called only when its interval excludes zero.</summary>
    public bool Resolved => Lower > 0 || Upper < 0;

    /// <summary>+1 when b is resolved above a, −1 when below, 0 when the interval includes zero (or n = 1).</summary>
    public int Sign => Lower > 0 ? 1 : Upper < 0 ? -1 : 0;
}

public static class SeedStatistics
{
    public const double Confidence = 0.95;

    // t_{0.975, ν}: the two-sided 95% quantiles of Student's t with ν degrees of freedom, as printed in
    // the standard tables (NIST/SEMATECH e-Handbook of Statistical Methods §1.3.6.7.2; Abramowitz &
    // Stegun Table 26.10), rounded to 3 decimals. The tests recompute P(|T| < t) from A&S 26.7.3-4's
    // closed form of the t distribution for every row and check it is 0.95 to the rounding.
    private static readonly double[] TQuantiles =
    [
        double.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    // Beyond 30 degrees of freedom the tables step (40, 60, 120, ∞); taking the next row down is
    // conservative (a wider interval), and no experiment here runs 31 seeds.
    private static readonly (int Df, double T)[] TTail = [(120, 1.980), (60, 2.000), (40, 2.021), (30, 2.042)];

    /// <summary>The largest ν the table lists exactly.</summary>
    public static int TabulatedDegreesOfFreedom => TQuantiles.Length - 1;

    /// <summary>t_{0.975, ν}, the half-width multiplier of a two-sided 95% interval; ν ≥ 1.</summary>
    public static double TQuantile(int degreesOfFreedom)
    {
        if (degreesOfFreedom < 1) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "a t interval needs at least 2 values (1 degree of freedom)");
        if (degreesOfFreedom < TQuantiles.Length) return TQuantiles[degreesOfFreedom];
        return TTail.First(row => row.Df <= degreesOfFreedom).T;
    }

    public static double Mean(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("the mean of no values");
        return values.Sum() / values.Count;
    }

    /// <summary>Sample standard deviation, n − 1 in the denominator; NaN for a single value.</summary>
    public static double SampleStd(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return double.NaN;
        double mean = Mean(values);
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>b − a paired by index (the same seed at the same position), with its 95% t interval.</summary>
    public static PairedDifference Paired(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count || a.Count == 0)
            throw new ArgumentException($"paired values need the same seeds on both sides (got {a.Count} and {b.Count})");
        var d = a.Zip(b, (x, y) => y - x).ToList();
        double mean = Mean(d), std = SampleStd(d);
        if (d.Count < 2) return new PairedDifference(mean, null, 1, null, null);
        double half = TQuantile(d.Count - 1) * std / Math.Sqrt(d.Count);
        return new PairedDifference(mean, std, d.Count, mean - half, mean + half);
    }
}
