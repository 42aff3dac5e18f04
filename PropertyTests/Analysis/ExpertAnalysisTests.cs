// The analysis passes against the trainer's own evaluator on a small random model: with nothing
// disabled (r = 0) and with K' as configured, the loss is the evaluator's loss on the same batches,
// to the last bit; disabling experts or activating fewer changes it; the tallies cover every
// token; a hash model gets the plain pass only; a dense model is refused.
// The model's init (std 0.1, not the paper's 0.006) makes the experts matter, so a change of
// routing visibly changes the loss.
using MoeFromScratch.Model;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.PropertyTests.Training;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class ExpertAnalysisTests : IDisposable
{
    private const int Vocab = 64, B = 2, T = 16, Batches = 3;
    private readonly string _folder = Directory.CreateTempSubdirectory("moe-analysis-test-").FullName;
    private readonly TokenFile _tokens;
    private readonly TokenFile _kinds;

    private static readonly MoeConfig Config = MoePresets.Tiny with
    {
        VocabSize = Vocab,
        HiddenSize = 32,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 2,
        MoeIntermediateSize = 16,
        IntermediateSize = 64,
        NRoutedExperts = 8,
        NumExpertsPerTok = 3,
        MaxPositionEmbeddings = 32,
        InitializerRange = 0.1,
    };

    public ExpertAnalysisTests()
    {
        var random = new Random(11);
        int count = Batches * B * T + 7;
        string tokens = Path.Combine(_folder, "val.tokens"), kinds = Path.Combine(_folder, "val.kinds");
        TokenFile.Write(tokens, Vocab, [Enumerable.Range(0, count).Select(_ => random.Next(Vocab)).ToArray()]);
        TokenFile.Write(kinds, 4, [Enumerable.Range(0, count).Select(i => i % 17 == 0 ? (int)TextKind.Separator : i / 10 % 3).ToArray()]);
        _tokens = TokenFile.Open(tokens);
        _kinds = TokenFile.Open(kinds);
    }

    public void Dispose()
    {
        _tokens.Dispose();
        _kinds.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private ValidationData Data() => new(new TokenBatches(_tokens, B, T, seed: 0, WindowOrder.Sequential), _kinds, Batches);

    private static double EvaluatorLoss(DeepSeekMoe model, ValidationData data) =>
        Evaluator.Run(new DeepSeekMoeLanguageModel(model), data.Batches, data.Count, step: 0, model.Backend).ValidationLoss;

    [Fact]
    public void Nothing_disabled_and_K_as_configured_equal_the_trainers_evaluation_exactly()
    {
        using var model = new DeepSeekMoe(Config, seed: 5, TrainingFixture.Backend);
        var data = Data();
        double expected = EvaluatorLoss(model, data);

        Assert.Equal(expected, ValidationPass.Run(model, data, new RoutingOverride(DisabledTopExperts: 0)));
        Assert.Equal(expected, ValidationPass.Run(model, data, new RoutingOverride(ActiveExperts: Config.NumExpertsPerTok)));
        var result = ExpertAnalysis.Run(model, data);
        Assert.Equal(expected, result.ValidationLoss);
        Assert.Equal(expected, result.Redundancy[0].ValidationLoss);
        Assert.Equal(expected, result.ActiveExpertsSweep[^1].ValidationLoss);
    }

    [Fact]
    public void Disabling_experts_or_activating_fewer_changes_the_loss()
    {
        using var model = new DeepSeekMoe(Config, seed: 5, TrainingFixture.Backend);
        var result = ExpertAnalysis.Run(model, Data());

        // E = 8: round(r·8) half away from zero = 0, 1 (0.5), 1, 2 (1.5), 2: each distinct count once, labelled d/E
        Assert.Equal([0, 1, 2], result.Redundancy.Select(p => p.Disabled));
        Assert.Equal(["0/8", "1/8", "2/8"], result.Redundancy.Select(p => p.RatioLabel));
        Assert.Equal([0, 1 / 8.0, 2 / 8.0], result.Redundancy.Select(p => p.Ratio));
        Assert.All(result.Redundancy.Skip(1), p => Assert.NotEqual(result.ValidationLoss, p.ValidationLoss!.Value));
        Assert.Equal([1, 2, 3], result.ActiveExpertsSweep.Select(p => p.ActiveExperts));
        Assert.NotEqual(result.ValidationLoss, result.ActiveExpertsSweep[0].ValidationLoss);
    }

    [Fact]
    public void The_shared_disabled_pass_equals_a_model_without_the_shared_expert_routing_to_K_plus_one()
    {
        using var model = new DeepSeekMoe(Config, seed: 5, TrainingFixture.Backend);
        // the explicit model: no shared expert, K' + 1 routed experts per token, every other weight copied from the first
        using var explicitModel = new DeepSeekMoe(Config with { NSharedExperts = 0, NumExpertsPerTok = Config.NumExpertsPerTok + 1 }, seed: 99, TrainingFixture.Backend);
        var weights = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in explicitModel.NamedParameters())
            p.Data.Backend.Copy(weights[name].Data, p.Data);
        Assert.Contains(weights.Keys, n => n.Contains("shared_experts"));

        var data = Data();
        double expected = ValidationPass.Run(explicitModel, data, new RoutingOverride());
        Assert.Equal(expected, ValidationPass.Run(model, data, new RoutingOverride(DisableShared: true)));   // the same ops on the same weights: to the bit
        var result = ExpertAnalysis.Run(model, data);
        Assert.Equal(expected, result.SharedDisabledLoss);
        Assert.NotEqual(result.ValidationLoss, expected);
        Assert.Null(ExpertAnalysis.Run(explicitModel, data).SharedDisabledLoss);   // nothing to disable
    }

    [Fact]
    public void The_tallies_cover_every_routed_token_and_every_kind()
    {
        using var model = new DeepSeekMoe(Config, seed: 5, TrainingFixture.Backend);
        var data = Data();
        var result = ExpertAnalysis.Run(model, data);

        var layer = Assert.Single(result.Layers);                    // Tiny: layer 0 dense, layer 1 MoE
        Assert.Equal(1, layer.Layer);
        Assert.Equal(data.Tokens * Config.NumExpertsPerTok, layer.Load.Tokens.Sum());
        // every input token's kind, read at the windows' offsets, separators left out
        long[] expected = new long[3];
        for (int i = 0; i < Batches; i++)
            foreach (long start in data.Batches.WindowStarts(i))
                for (int t = 0; t < T; t++)
                    if (_kinds[start + t] is int k and < 3) expected[k]++;
        Assert.Equal(expected, layer.Kinds!.Kinds.Select(k => k.Tokens));
        Assert.InRange(layer.Kinds.NormalizedMutualInformation!.Value, 0, 1);
    }

    [Fact]
    public void A_hash_model_gets_the_plain_pass_only()
    {
        using var model = new DeepSeekMoe(Config with { MoeKind = MoeKind.Hash, NumExpertsPerTok = 1, NSharedExperts = 0, AuxLossAlpha = 0 },
            seed: 5, TrainingFixture.Backend);
        var data = Data();
        var result = ExpertAnalysis.Run(model, data);
        Assert.Empty(result.Redundancy);
        Assert.Empty(result.ActiveExpertsSweep);
        Assert.Contains(result.Notes, n => n.Contains("hash"));
        Assert.Equal(EvaluatorLoss(model, data), result.ValidationLoss);
    }

    [Fact]
    public void A_dense_model_is_refused_in_one_line()
    {
        var dense = Config with { MoeKind = MoeKind.Dense, NRoutedExperts = 0, NSharedExperts = 0, NumExpertsPerTok = 0 };
        var e = Assert.Throws<UsageException>(() => ExpertAnalysis.RequireMoe(dense, "some/folder"));
        Assert.Contains("some/folder: a dense model with no MoE layer", e.Message);
    }

    [Fact]
    public void The_unigram_baseline_is_the_smoothed_training_frequency_of_each_target()
    {
        // train: three 0s and one 1 over V = 2 -> add-one p(0) = 4/6, p(1) = 2/6;
        // validation: 0 1 0 1 ... so the targets alternate and the mean is −(ln 4/6 + ln 2/6) / 2
        string train = Path.Combine(_folder, "u.train"), validation = Path.Combine(_folder, "u.val");
        TokenFile.Write(train, 2, [[0, 0, 0, 1]]);
        TokenFile.Write(validation, 2, [Enumerable.Range(0, B * T + 1).Select(i => i % 2).ToArray()]);
        using var trainTokens = TokenFile.Open(train);
        using var validationTokens = TokenFile.Open(validation);
        var data = new ValidationData(new TokenBatches(validationTokens, B, T, seed: 0, WindowOrder.Sequential), null, 1);
        Assert.Equal(-(Math.Log(4.0 / 6) + Math.Log(2.0 / 6)) / 2, UnigramBaseline.Loss(trainTokens, data), 12);
    }

    [Theory]
    [InlineData(63, new[] { 0, 4, 8, 12, 16 })]
    [InlineData(16, new[] { 0, 1, 2, 3, 4 })]
    [InlineData(64, new[] { 0, 4, 8, 12, 16 })]
    public void Disabled_counts_round_the_ratio_times_E(int experts, int[] expected) =>
        Assert.Equal(expected, ExpertAnalysis.DisabledSixteenths.Select(s => ExpertAnalysis.DisabledCount(s, experts)));
}
