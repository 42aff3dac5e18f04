// The experiments' models keep the paper's 2B design ratios at every scale: 16 standard FFNs of
// expert width per MoE layer, 2 activated (GShard, DeepSeekMoE) or 1 (Switch, Hash, and the dense
// model's single FFN); the ablations hold total and activated parameters equal; and the findings'
// pair count compares orderings correctly.
using MoeFromScratch.Train.Experiments;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class ExperimentModelsTests
{
    // Expert width per MoE layer, in units of the scale's standard FFN F: all experts, and those a token uses.
    private static (double Total, double Active) Widths(MoeConfig c, ExperimentScale s) => c.MoeKind == MoeKind.Dense
        ? (c.IntermediateSize / (double)s.Ffn, c.IntermediateSize / (double)s.Ffn)
        : ((c.NRoutedExperts + c.NSharedExperts) * c.MoeIntermediateSize / (double)s.Ffn,
           (c.NumExpertsPerTok + c.NSharedExperts) * c.MoeIntermediateSize / (double)s.Ffn);

    public static TheoryData<string> ScaleNames => new() { "small", "tiny" };

    [Theory]
    [MemberData(nameof(ScaleNames))]
    public void Baselines_have_the_papers_2B_ratios(string scaleName)
    {
        var s = ExperimentScale.Named(scaleName);
        var models = ExperimentCatalog.Get("baselines", s).Models.ToDictionary(m => m.Name, m => Widths(m.Config, s));
        Assert.Equal((1.0, 1.0), models["dense"]);
        Assert.Equal((16.0, 1.0), models["hash"]);
        Assert.Equal((16.0, 1.0), models["switch"]);
        Assert.Equal((16.0, 2.0), models["gshard"]);
        Assert.Equal((16.0, 2.0), models["deepseekmoe"]);
        var deepSeek = ExperimentModels.DeepSeekMoe(s).Config;
        Assert.Equal((1, 63, 7, s.Ffn / 4), (deepSeek.NSharedExperts, deepSeek.NRoutedExperts, deepSeek.NumExpertsPerTok, deepSeek.MoeIntermediateSize));
        Assert.All(ExperimentCatalog.Get("baselines", s).Models, m => Assert.Equal(0, m.Config.FirstKDenseReplace));
    }

    [Theory]
    [MemberData(nameof(ScaleNames))]
    public void Ablations_hold_total_and_activated_parameters_equal(string scaleName)
    {
        var s = ExperimentScale.Named(scaleName);
        foreach (var name in new[] { "ablation-shared", "ablation-granularity", "ablation-shared-ratio" })
        {
            var counts = ExperimentCatalog.Get(name, s).Models.Select(m => ParameterCount.Of(m.Config)).ToList();
            // the router grows with the number of routed experts (E × C), so compare the experts alone
            long Experts(ParamCounts c) => c[ParamGroup.RoutedExperts] + c[ParamGroup.SharedExperts];
            Assert.All(counts, c => Assert.Equal(Experts(counts[0].Total), Experts(c.Total)));
            Assert.All(counts, c => Assert.Equal(Experts(counts[0].Activated), Experts(c.Activated)));
        }
        var granularity = ExperimentCatalog.Get("ablation-granularity", s).Models;
        Assert.Equal([(15, 1), (31, 3), (63, 7)], granularity.Select(m => (m.Config.NRoutedExperts, m.Config.NumExpertsPerTok)));
        Assert.Equal((24.0, 3.0), Widths(ExperimentModels.GShardX15(s).Config, s));   // GShard with 1.5× wider experts
    }

    [Fact]
    public void The_budget_is_steps_or_tokens_in_whole_steps_or_the_experiments_default()
    {
        var small = ExperimentScale.Small;
        var baselines = ExperimentCatalog.Get("baselines", small);
        Assert.Equal(7, ExperimentBudget.Steps(baselines, small, 7, null));
        Assert.Equal(3, ExperimentBudget.Steps(baselines, small, null, 2 * 1024 + 1));   // 8 × 128 = 1,024 tokens a step, rounded up
        Assert.Equal(2, ExperimentBudget.Steps(baselines, small, null, 2 * 1024));
        Assert.All(ExperimentCatalog.Names, name => Assert.InRange(ExperimentBudget.DefaultSteps(name, small), 100, 1000));
        Assert.Equal(ExperimentScale.Tiny.Steps, ExperimentBudget.DefaultSteps("baselines", ExperimentScale.Tiny));
        Assert.Equal([1UL, 2UL, 3UL], ExperimentBudget.DefaultSeeds);
    }

    [Fact]
    public void Unknown_names_are_user_errors()
    {
        Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => ExperimentCatalog.Get("nosuch", ExperimentScale.Tiny));
        Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => ExperimentScale.Named("huge"));
    }

    [Theory]
    [MemberData(nameof(ScaleNames))]
    public void The_new_rows_have_the_papers_definitions(string scaleName)
    {
        var s = ExperimentScale.Named(scaleName);
        // Dense×16: one FFN holding every expert parameter of a MoE layer (16F), all of it active
        var denseX16 = ExperimentModels.DenseX16(s).Config;
        Assert.Equal((16.0, 16.0), Widths(denseX16, s));
        var (denseTotal, denseActive) = ParameterCount.Of(denseX16);
        Assert.Equal(denseTotal.Total, denseActive.Total);
        var gshard = ParameterCount.Of(ExperimentModels.GShard(s).Config).Total;
        Assert.Equal(gshard[ParamGroup.RoutedExperts], denseTotal[ParamGroup.DenseFfn]);   // 16 experts × 3·C·F = one FFN of 3·C·16F
        Assert.Contains(ExperimentCatalog.Get("baselines", s).Models, m => m.Name == "dense-x16" && m.PaperLoss == 1.806);

        // GShard + 1 shared expert at GShard's compute: 1 shared + 1 of 15 routed, each F wide
        var gshardShared = ExperimentModels.GShardShared(s).Config;
        Assert.Equal((16.0, 2.0), Widths(gshardShared, s));
        Assert.Equal((MoeKind.GShard, 1, 15, 1), (gshardShared.MoeKind, gshardShared.NSharedExperts, gshardShared.NRoutedExperts, gshardShared.NumExpertsPerTok));
        Assert.Equal(["deepseekmoe", "no-shared", "gshard", "gshard-shared"], ExperimentCatalog.Get("ablation-shared", s).Models.Select(m => m.Name));

        // the shared:routed ratio: s shared + (64 − s) routed × F/4, 8 − s active, s = 1, 2, 4 (paper 1.808 / 1.806 / 1.811)
        var ratio = ExperimentCatalog.Get("ablation-shared-ratio", s).Models;
        Assert.Equal([(1, 63, 7), (2, 62, 6), (4, 60, 4)], ratio.Select(m => (m.Config.NSharedExperts, m.Config.NRoutedExperts, m.Config.NumExpertsPerTok)));
        Assert.All(ratio, m => Assert.Equal((16.0, 2.0), Widths(m.Config, s)));
        Assert.Equal([1.808, 1.806, 1.811], ratio.Select(m => m.PaperLoss!.Value));
    }

    private static ModelResult Result(string name, double paper, params double[] perSeed) =>
        new(name, "", "", 0, 0, paper, [.. perSeed.Select((loss, i) => new SeedRun((ulong)i + 1, 1, loss, 0, 0, "", "", null))]);

    [Fact]
    public void Pairs_in_the_papers_order_are_counted_by_mean_and_over_the_seeds()
    {
        // paper: a < b < c; ours: a < c < b, each gap far beyond the seed spread -> (a, b) and (a, c) resolved agreeing, (b, c) resolved against
        var models = new[] { Result("a", 1.8, 1.00, 1.01, 0.99), Result("b", 1.9, 3.00, 3.01, 2.99), Result("c", 2.0, 2.00, 2.02, 1.98) };
        Assert.Equal(new PaperOrder(3, 2, 2, 1), ExperimentFindings.PairsInPaperOrder(models));
        // b and c within each other's spread: in the paper's order by the means, not resolved
        var close = new[] { Result("a", 1.8, 1.00, 1.01, 0.99), Result("b", 1.9, 2.00, 2.10, 1.90), Result("c", 2.0, 2.05, 1.95, 2.10) };
        var order = ExperimentFindings.PairsInPaperOrder(close);
        Assert.Equal(new PaperOrder(3, 3, 2, 0), order);
        Assert.Equal(1, order.Unresolved);
        // one seed: the means still order, nothing is resolved
        Assert.Equal(new PaperOrder(3, 3, 0, 0), ExperimentFindings.PairsInPaperOrder([Result("a", 1.8, 1), Result("b", 1.9, 2), Result("c", 2.0, 3)]));
    }
}
