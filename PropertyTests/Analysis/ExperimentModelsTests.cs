// The experiments' models keep the paper's 2B design ratios at every scale: 16 standard FFNs of
// expert width per MoE layer, 2 activated (GShard, DeepSeekMoE) or 1 (Switch, Hash, and the dense
// model's single FFN); the ablations hold total and activated parameters equal; and the findings'
// pair count compares orderings correctly.
using MoeFromScratch.Model.Config;
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
        foreach (var name in new[] { "ablation-shared", "ablation-granularity" })
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
    public void Unknown_names_are_user_errors()
    {
        Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => ExperimentCatalog.Get("nosuch", ExperimentScale.Tiny));
        Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => ExperimentScale.Named("huge"));
    }

    private static ModelResult Result(string name, double ours, double paper) => new(name, "", "", 0, 0, ours, paper, 0, 0, "", "", null);

    [Fact]
    public void Pairs_in_the_papers_order_are_counted()
    {
        // paper: a < b < c; ours: a < c < b -> (a, b) and (a, c) agree, (b, c) does not
        var models = new[] { Result("a", 1.0, 1.8), Result("b", 3.0, 1.9), Result("c", 2.0, 2.0) };
        Assert.Equal((2, 3), ExperimentFindings.PairsInPaperOrder(models));
        Assert.Equal((3, 3), ExperimentFindings.PairsInPaperOrder([Result("a", 1, 1.8), Result("b", 2, 1.9), Result("c", 3, 2.0)]));
    }
}
