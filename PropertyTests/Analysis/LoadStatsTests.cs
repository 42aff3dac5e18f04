// Load statistics with known answers: balanced, collapsed onto one expert, and a worked example;
// and RoutingCounts tallying picks by expert and by the kind of the token that made them.
using MoeFromScratch.Train.Analysis;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class LoadStatsTests
{
    [Fact]
    public void Balanced_load_has_max_over_mean_one_and_no_variation()
    {
        var s = LoadStats.Of([5, 5, 5, 5]);
        Assert.Equal((5L, 5L, 5.0, 1.0, 0.0), (s.Min, s.Max, s.Mean, s.MaxOverMean, s.Cv));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(63)]
    public void A_collapsed_router_has_max_over_mean_E_and_cv_root_E_minus_one(int experts)
    {
        var tokens = new long[experts];
        tokens[experts / 2] = 1000;
        var s = LoadStats.Of(tokens);
        Assert.Equal(experts, s.MaxOverMean, 12);
        Assert.Equal(Math.Sqrt(experts - 1), s.Cv, 12);
        Assert.Equal(0, s.Min);
    }

    [Fact]
    public void A_worked_example()
    {
        // mean 3, max 6, population variance (4 + 1 + 0 + 9) / 4 = 3.5
        var s = LoadStats.Of([1, 2, 3, 6]);
        Assert.Equal((1L, 6L, 3.0, 2.0), (s.Min, s.Max, s.Mean, s.MaxOverMean));
        Assert.Equal(Math.Sqrt(3.5) / 3, s.Cv, 14);
    }

    [Fact]
    public void No_routed_tokens_is_refused() => Assert.Throws<ArgumentException>(() => LoadStats.Of([0, 0]));

    [Fact]
    public void Routing_counts_tally_picks_by_expert_and_by_kind()
    {
        var counts = new RoutingCounts(layers: 2, experts: 3, kinds: 2);
        // layer 1, K' = 2: token 0 (kind 0) -> experts 2, 0; token 1 (kind 1) -> 2, 1
        counts.Add(1, [2, 0, 2, 1], k: 2, kinds: [0, 1]);
        Assert.Equal([0L, 0, 0], counts.Load[0]);
        Assert.Equal([1L, 1, 2], counts.Load[1]);
        Assert.Equal(new long[,] { { 1, 0, 1 }, { 0, 1, 1 } }, counts.ByKind[1]);
    }
}
