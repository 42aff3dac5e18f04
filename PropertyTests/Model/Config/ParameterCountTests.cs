// Parameter counts: the paper's headline numbers for its three scales, and on random configs the
// count from ParameterLayout against the closed-form sum written out below (an independent oracle).

namespace MoeFromScratch.PropertyTests.Model.Config;

public sealed class ParameterCountTests
{
    // The paper prints 2.0B / 0.3B (2B, Table 1), 16.4B / 2.8B (16B, §5), 144.6B / 22.2B (145B, §7):
    // our counts must round to those figures, and for 16B and 145B also lie within 2% of them.
    [Theory]
    [InlineData("deepseek-moe-2b", 2.0, 0.3)]
    [InlineData("deepseek-moe-16b", 16.4, 2.8)]
    [InlineData("deepseek-moe-145b", 144.6, 22.2)]
    public void Paper_scales_match_the_paper(string preset, double totalBillions, double activatedBillions)
    {
        var (t, a) = ParameterCount.Of(MoePresets.Resolve(preset));
        Assert.Equal(totalBillions, Math.Round(t.Total / 1e9, 1));
        Assert.Equal(activatedBillions, Math.Round(a.Total / 1e9, 1));
        if (totalBillions > 10)
        {
            Assert.InRange(t.Total / (totalBillions * 1e9), 0.98, 1.02);
            Assert.InRange(a.Total / (activatedBillions * 1e9), 0.98, 1.02);
        }
    }

    [Fact]
    public void Deepseek_16b_exact_breakdown()
    {
        var (total, activated) = ParameterCount.Of(MoePresets.DeepSeekMoe16B);
        long expert = 3L * 2048 * 1408;
        Assert.Equal(102400L * 2048, total[ParamGroup.Embedding]);
        Assert.Equal(28L * 4 * 2048 * 2048, total[ParamGroup.Attention]);
        Assert.Equal(3L * 2048 * 10944, total[ParamGroup.DenseFfn]);             // layer 0 only
        Assert.Equal(27L * 64 * expert, total[ParamGroup.RoutedExperts]);
        Assert.Equal(27L * 6 * expert, activated[ParamGroup.RoutedExperts]);
        Assert.Equal(27L * 2 * expert, total[ParamGroup.SharedExperts]);          // fused K_s = 2
        Assert.Equal(27L * 64 * 2048, total[ParamGroup.Router]);
        Assert.Equal((28L * 2 + 1) * 2048, total[ParamGroup.Norms]);
        Assert.Equal(16_375_728_128L, total.Total);
        Assert.Equal(2_828_650_496L, activated.Total);
    }

    [Fact]
    public void Dense_baseline_activates_everything()
    {
        var (total, activated) = ParameterCount.Of(MoePresets.SmallDense);
        Assert.Equal(total.Total, activated.Total);
    }

    [Fact]
    public void Small_baselines_match_small_in_expert_columns()
    {
        long Routed(MoeConfig c) => c.NRoutedExperts * c.MoeIntermediateSize + c.SharedIntermediateSize;
        long Active(MoeConfig c) => c.NumExpertsPerTok * c.MoeIntermediateSize + c.SharedIntermediateSize;
        foreach (var baseline in new[] { MoePresets.SmallGShard, MoePresets.SmallSwitch, MoePresets.SmallHash })
        {
            Assert.Equal(Routed(MoePresets.Small), Routed(baseline));
            Assert.Equal(Active(MoePresets.Small), Active(baseline));
        }
        Assert.Equal(Active(MoePresets.Small), MoePresets.SmallDense.IntermediateSize);
    }

    [Fact]
    public void Layout_names_are_unique_and_official()
    {
        var names = ParameterLayout.Of(MoePresets.DeepSeekMoe16B).Select(p => p.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", names);
        Assert.DoesNotContain("model.layers.0.mlp.gate.weight", names);
        Assert.Contains("model.layers.1.mlp.gate.weight", names);
        Assert.Contains("model.layers.27.mlp.experts.63.down_proj.weight", names);
        Assert.Contains("model.layers.1.mlp.shared_experts.up_proj.weight", names);
        Assert.Equal(["model.norm.weight", "lm_head.weight"], names[^2..]);
    }

    // One field's range a line (MoeLayerTests.Cases has the same form): a table of draws, not a copy.
    public static Arbitrary<MoeConfig> Configs() =>
        (from heads in Gen.Choose(1, 4)
         from headHalf in Gen.Choose(1, 8)
         from layers in Gen.Choose(1, 6)
         from dense in Gen.Choose(0, 3)
         from freq in Gen.Choose(1, 3)
         from routed in Gen.Choose(1, 12)
         from active in Gen.Choose(1, 12)
         from shared in Gen.Choose(0, 3)
         from width in Gen.Choose(1, 40)
         from tied in Gen.Elements(false, true)
         from hash in Gen.Elements(false, false, true)
         select MoePresets.Tiny with
         {
             VocabSize = 7 + width,
             HiddenSize = heads * headHalf * 2,
             NumAttentionHeads = heads,
             NumKeyValueHeads = heads,
             NumHiddenLayers = layers,
             FirstKDenseReplace = dense,
             MoeLayerFreq = freq,
             IntermediateSize = 3 * width,
             NRoutedExperts = routed,
             NumExpertsPerTok = Math.Min(active, routed),
             NSharedExperts = shared,
             MoeIntermediateSize = width,
             TieWordEmbeddings = tied,
             MoeKind = hash ? MoeKind.Hash : MoeKind.DeepSeek,
             AuxLossAlpha = hash ? 0 : 0.01,
         }).Where(c => !HashNeedsTop1(c)).ToArbitrary();

    private static bool HashNeedsTop1(MoeConfig c) => c.MoeKind == MoeKind.Hash && c.NumExpertsPerTok != 1;

    [Property(Arbitrary = [typeof(ParameterCountTests)], MaxTest = 200)]
    public void Counts_match_the_closed_form(MoeConfig c)
    {
        c.Validate("generated");
        long C = c.HiddenSize, V = c.VocabSize;
        int moeLayers = Enumerable.Range(0, c.NumHiddenLayers).Count(c.IsMoeLayer);
        int denseLayers = c.NumHiddenLayers - moeLayers;
        long ffn(long inner) => 3 * C * inner;
        long common = V * C * (c.TieWordEmbeddings ? 1 : 2) + c.NumHiddenLayers * (4 * C * C + 2 * C) + C + denseLayers * ffn(c.IntermediateSize);
        long router = c.MoeKind == MoeKind.Hash ? 0 : c.NRoutedExperts * C;
        long total = common + moeLayers * (router + ffn(c.MoeIntermediateSize) * (c.NRoutedExperts + c.NSharedExperts));
        long activated = common + moeLayers * (router + ffn(c.MoeIntermediateSize) * (c.NumExpertsPerTok + c.NSharedExperts));

        var (t, a) = ParameterCount.Of(c);
        Assert.Equal(total, t.Total);
        Assert.Equal(activated, a.Total);
        Assert.Equal(t.Total, ParameterLayout.Of(c).Sum(p => p.Numel));
    }
}
