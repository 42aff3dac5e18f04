// The seed statistics on synthetic results with known answers: a mean, a sample std, a paired
// interval that must exclude zero and one that must include it; the t table against the closed
// form of Student's t distribution (Abramowitz & Stegun 26.7.3-4), an independent oracle; and the
// whole construction by coverage: 95% of intervals from normal samples contain the true mean.
using MoeFromScratch.Train.Experiments;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class SeedStatisticsTests
{
    [Fact]
    public void Mean_and_sample_std_have_known_answers()
    {
        Assert.Equal(2.5, SeedStatistics.Mean([1, 2, 3, 4]), 12);
        // population std of this textbook set is exactly 2; the sample std is √(32/7)
        Assert.Equal(Math.Sqrt(32.0 / 7), SeedStatistics.SampleStd([2, 4, 4, 4, 5, 5, 7, 9]), 12);
        Assert.True(double.IsNaN(SeedStatistics.SampleStd([3.0])));
    }

    [Fact]
    public void A_consistent_gap_gives_an_interval_that_excludes_zero()
    {
        // d = 1.1, 0.9, 1.0: mean 1, sample std 0.1, half-width t(2)·0.1/√3 = 4.303·0.1/√3
        var d = SeedStatistics.Paired([1, 2, 3], [2.1, 2.9, 4.0]);
        double half = 4.303 * 0.1 / Math.Sqrt(3);
        Assert.Equal(1.0, d.Mean, 12);
        Assert.Equal(0.1, d.Std!.Value, 12);
        Assert.Equal(1.0 - half, d.Lower!.Value, 12);
        Assert.Equal(1.0 + half, d.Upper!.Value, 12);
        Assert.True(d.Resolved);
        Assert.Equal(1, d.Sign);
        Assert.Equal(-1, SeedStatistics.Paired([2.1, 2.9, 4.0], [1, 2, 3]).Sign);
    }

    [Fact]
    public void A_gap_smaller_than_its_spread_gives_an_interval_that_includes_zero()
    {
        // d = 0.02, −0.01, 0.005: mean 0.005 and a spread larger than it
        var d = SeedStatistics.Paired([3.00, 3.00, 3.00], [3.02, 2.99, 3.005]);
        Assert.Equal(0.005, d.Mean, 12);
        Assert.True(d.Lower < 0 && d.Upper > 0, $"[{d.Lower}, {d.Upper}]");
        Assert.False(d.Resolved);
        Assert.Equal(0, d.Sign);
    }

    [Fact]
    public void One_seed_calls_nothing()
    {
        var d = SeedStatistics.Paired([1.0], [5.0]);
        Assert.Equal(4.0, d.Mean);
        Assert.False(d.Resolved);
        Assert.Null(d.Lower);
        Assert.Throws<ArgumentException>(() => SeedStatistics.Paired([1.0, 2.0], [1.0]));
    }

    // P(|T| < t) for ν degrees of freedom, A&S 26.7.3 (ν odd) and 26.7.4 (ν even), θ = atan(t/√ν).
    private static double CentralProbability(double t, int nu)
    {
        double theta = Math.Atan(t / Math.Sqrt(nu)), s = Math.Sin(theta), c = Math.Cos(theta);
        if (nu % 2 == 0)
        {
            double sum = 1, term = 1;
            for (int k = 2; k <= nu - 2; k += 2) sum += term *= c * c * (k - 1) / k;
            return s * sum;
        }
        double odd = 0, oddTerm = c;
        for (int k = 3; k <= nu; k += 2) { odd += oddTerm; oddTerm *= c * c * (k - 1) / k; }
        return 2 / Math.PI * (theta + s * odd);
    }

    [Fact]
    public void The_t_table_is_the_975_quantile_of_students_t()
    {
        Assert.Equal(0.5, CentralProbability(1, 1), 12);                          // ν = 1 is Cauchy: P(|T| < 1) = 1/2
        Assert.Equal(1 / Math.Sqrt(3), CentralProbability(1, 2), 12);             // ν = 2: t/√(t² + 2)
        // rounding the table to 3 decimals moves P by at most 2·density·0.0005 ≤ 6e-5 (the density at the quantile is below 0.06)
        for (int nu = 1; nu <= SeedStatistics.TabulatedDegreesOfFreedom; nu++)
            Assert.True(Math.Abs(CentralProbability(SeedStatistics.TQuantile(nu), nu) - SeedStatistics.Confidence) < 1e-4, $"ν = {nu}");
        foreach (int nu in new[] { 40, 60, 120 })
            Assert.True(Math.Abs(CentralProbability(SeedStatistics.TQuantile(nu), nu) - SeedStatistics.Confidence) < 1e-4, $"ν = {nu}");
        // between the rows the next one down is used: never a narrower interval than the exact one
        for (int nu = 31; nu <= 200; nu++)
            Assert.True(CentralProbability(SeedStatistics.TQuantile(nu), nu) >= SeedStatistics.Confidence - 1e-4, $"ν = {nu}");
        Assert.Throws<ArgumentOutOfRangeException>(() => SeedStatistics.TQuantile(0));
    }

    [Fact]
    public void Ninety_five_percent_of_intervals_cover_the_true_difference()
    {
        // 4,000 experiments of 3 seeds, d_s ~ N(0.3, 1): coverage 0.95 ± 3·√(0.95·0.05/4000) = ± 0.010
        var random = new Random(20);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        int covered = 0, trials = 4000;
        for (int i = 0; i < trials; i++)
        {
            var d = SeedStatistics.Paired([0, 0, 0], [0.3 + Normal(), 0.3 + Normal(), 0.3 + Normal()]);
            if (d.Lower <= 0.3 && 0.3 <= d.Upper) covered++;
        }
        Assert.InRange(covered / (double)trials, 0.94, 0.96);
    }
}
