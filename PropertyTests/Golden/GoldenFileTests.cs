// The golden dump (PropertyTests/Golden/tiny, from Model/python/make_golden.py) as the C# side reads
// it: the config through MoeConfigJson, the weights through ModelCheckpoint (names and shapes
// against ParameterLayout), every result the parity test needs with its shape, the dump's internal
// consistency, and two pieces of the model on their own, cross-entropy and the balance loss
// (eq. 12-14), against PyTorch's values and gradients on the dump's own logits and routing.
// Not here: the whole model's forward and backward (GoldenParityTests).
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Golden;

public sealed class GoldenFileTests(ITestOutputHelper output)
{
    private const int B = 2, T = 8, Steps = GoldenFile.TrajectorySteps;

    public static TheoryData<string> Backends() => ["reference", "cpu"];

    private static IBackend Backend(string name) => name == "cpu" ? Device.Cpu : new ReferenceBackend();

    [Fact]
    public void Config_loads_through_MoeConfigJson_as_the_tiny_golden_model()
    {
        var expected = new MoeConfig
        {
            VocabSize = 64, HiddenSize = 32, IntermediateSize = 48, MaxPositionEmbeddings = 64, InitializerRange = 0.02,
            NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 4,
            MoeIntermediateSize = 16, NSharedExperts = 1, NRoutedExperts = 6, NumExpertsPerTok = 2,
            AuxLossAlpha = 0.01,
        };
        Assert.Equal(expected, GoldenFile.Tiny.Config);
        Assert.False(GoldenFile.Tiny.Config.IsMoeLayer(0));
        Assert.True(GoldenFile.Tiny.Config.IsMoeLayer(1));
    }

    [Fact]
    public void Weights_load_under_the_official_names_and_every_one_has_a_golden_gradient()
    {
        var golden = GoldenFile.Tiny;
        var weights = golden.LoadWeights(); // ModelCheckpoint checks names and shapes against ParameterLayout
        try
        {
            var layout = ParameterLayout.Of(golden.Config).ToList();
            Assert.Equal(layout.Count, weights.Count);
            Assert.Equal(28000, layout.Sum(p => p.Numel));
            foreach (var p in layout)
                Assert.Equal(p.Shape, golden.Shape("grad." + p.Name));
            Assert.Equal(layout.Count, golden.Names.Count(n => n.StartsWith("grad.", StringComparison.Ordinal)));
            // matrices N(0, 0.02), norm scales 1 + N(0, 0.1): a sanity check that the bytes are the weights
            var embed = weights["model.embed_tokens.weight"].ToArray<float>();
            double std = Math.Sqrt(embed.Average(v => (double)v * v));
            Assert.InRange(std, 0.017, 0.023);
            Assert.InRange(weights["model.norm.weight"].ToArray<float>().Average(), 0.9f, 1.1f);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    [Fact]
    public void The_dump_holds_every_tensor_the_parity_test_reads_with_its_shape()
    {
        var golden = GoldenFile.Tiny;
        var c = golden.Config;
        int V = c.VocabSize, E = c.NRoutedExperts, K = c.NumExpertsPerTok;
        var moeLayers = Enumerable.Range(0, c.NumHiddenLayers).Where(c.IsMoeLayer).ToList();

        var expected = new Dictionary<string, int[]>
        {
            ["tokens"] = [B, T],
            ["targets"] = [B, T],
            ["logits"] = [B, T, V],
            ["dlogits"] = [B, T, V],
            ["loss"] = [],
            ["aux_loss"] = [],
            ["aux_per_layer"] = [moeLayers.Count],
            ["trajectory"] = [Steps],
            ["trajectory_lm"] = [Steps],
            ["trajectory_aux"] = [Steps],
            ["trajectory_grad_norm"] = [Steps],
        };
        foreach (var l in moeLayers)
        {
            expected[$"expert_load.{l}"] = [E];
            expected[$"topk_idx.{l}"] = [B, T, K];
            expected[$"scores.{l}"] = [B, T, E];
            expected[$"dscores.{l}"] = [B, T, E];
        }
        string[] integers = ["tokens", "targets", .. moeLayers.SelectMany(l => new[] { $"expert_load.{l}", $"topk_idx.{l}" })];
        foreach (var (name, shape) in expected)
        {
            Assert.Equal(shape, golden.Shape(name));
            Assert.Equal(!integers.Contains(name), golden.IsFloat64(name));
        }
        Assert.All(golden.Names.Where(n => n.StartsWith("grad.", StringComparison.Ordinal)), n => Assert.True(golden.IsFloat64(n), n));
        Assert.DoesNotContain(golden.Names, n => !expected.ContainsKey(n) && !n.StartsWith("grad.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_dump_is_consistent_with_itself()
    {
        var golden = GoldenFile.Tiny;
        var c = golden.Config;
        int E = c.NRoutedExperts, K = c.NumExpertsPerTok;
        var tokens = golden.Int("tokens");
        var targets = golden.Int("targets");
        Assert.All(tokens, t => Assert.InRange(t, 0, c.VocabSize - 1));
        for (int b = 0; b < B; b++)
            for (int t = 0; t + 1 < T; t++)
                Assert.Equal(tokens[b * T + t + 1], targets[b * T + t]);   // targets are the next tokens

        double auxSum = 0;
        foreach (var l in Enumerable.Range(0, c.NumHiddenLayers).Where(c.IsMoeLayer))
        {
            var scores = golden.Double($"scores.{l}");
            var picked = golden.Int($"topk_idx.{l}");
            var load = new int[E];
            for (int n = 0; n < B * T; n++)
            {
                var row = scores.AsSpan(n * E, E).ToArray();
                Assert.Equal(1.0, row.Sum(), 12);
                var top = Enumerable.Range(0, E).OrderByDescending(i => row[i]).Take(K).ToArray();
                Assert.Equal(top, picked.AsSpan(n * K, K).ToArray());  // top-K of the scores, sorted
                foreach (var i in top) load[i]++;
            }
            Assert.Equal(load, golden.Int($"expert_load.{l}"));
            Assert.All(load, count => Assert.True(count > 0, "every routed expert gets a token, so every expert has a gradient"));
            auxSum += golden.Double("aux_per_layer")[Enumerable.Range(0, l + 1).Count(c.IsMoeLayer) - 1];
        }
        // hi + lo carries ~48 bits, so values that agree in float64 agree here to ~1e-14
        Report(ArrayAssert.Close([auxSum], [golden.Scalar("aux_loss")], new(0, 1e-13), "aux_loss = sum of aux_per_layer", shape: []));
        Report(ArrayAssert.Close([golden.Double("trajectory_lm")[0]], [golden.Scalar("loss")], new(0, 1e-13), "trajectory_lm[0] = loss", shape: []));
        Report(ArrayAssert.Close([golden.Double("trajectory_aux")[0]], [golden.Scalar("aux_loss")], new(0, 1e-13), "trajectory_aux[0] = aux_loss", shape: []));
        Report(ArrayAssert.Close([golden.Double("trajectory")[0]], [golden.Scalar("loss") + golden.Scalar("aux_loss")], new(0, 1e-13), "trajectory[0] = loss + aux_loss", shape: []));
        var trajectory = golden.Double("trajectory");
        Assert.True(trajectory[^1] < trajectory[0] - 1, $"the 10 steps should lower the loss a lot: {trajectory[0]} -> {trajectory[^1]}");
    }

    // Our cross-entropy on PyTorch's logits, float64: value and gradient as tight as float64 allows.
    // This also shows the hi + lo storage carries float64 precision (a float32 dump could not pass 1e-13).
    [Theory]
    [MemberData(nameof(Backends))]
    public void Cross_entropy_matches_PyTorch_on_the_golden_logits(string backendName)
    {
        var golden = GoldenFile.Tiny;
        var backend = Backend(backendName);
        int V = golden.Config.VocabSize;
        using var scope = new TensorScope();
        var logits = new Variable(golden.ToTensor("logits", DType.Float64, backend).Reshape(B * T, V), requiresGrad: true);
        var targets = golden.ToTensor("targets", DType.Int32, backend).Reshape(B * T);
        var loss = Functional.CrossEntropy(logits, targets);
        Report(ArrayAssert.Close([loss.Item()], [golden.Scalar("loss")], new(0, 1e-13), "loss", shape: []));
        loss.Backward();
        Report(ArrayAssert.Close(logits.Grad!.ToArray<double>(), golden.Double("dlogits"), new(1e-15, 1e-11), "dlogits", shape: [B * T, V]));
    }

    // Model/Moe/BalanceLoss.Expert on PyTorch's router scores and top-K picks: aux_l and d aux_l / d scores.
    [Theory]
    [MemberData(nameof(Backends))]
    public void Balance_loss_matches_PyTorch_on_the_golden_routing(string backendName)
    {
        var golden = GoldenFile.Tiny;
        var c = golden.Config;
        var backend = Backend(backendName);
        var moeLayers = Enumerable.Range(0, c.NumHiddenLayers).Where(c.IsMoeLayer).ToList();
        for (int m = 0; m < moeLayers.Count; m++)
        {
            int l = moeLayers[m];
            using var scope = new TensorScope();
            var scores = new Variable(golden.ToTensor($"scores.{l}", DType.Float64, backend), requiresGrad: true);
            var picked = golden.ToTensor($"topk_idx.{l}", DType.Int32, backend);
            var aux = BalanceLoss.Expert(scores, picked, c.AuxLossAlpha, c.SeqAux);
            Report(ArrayAssert.Close([aux.Item()], [golden.Double("aux_per_layer")[m]], new(0, 1e-13), $"aux_per_layer[{m}] (layer {l})", shape: []));
            aux.Backward();
            Report(ArrayAssert.Close(scores.Grad!.ToArray<double>(), golden.Double($"dscores.{l}"), new(1e-16, 1e-12), $"dscores.{l}", shape: golden.Shape($"dscores.{l}")));
        }
    }

    private void Report(Comparison result) => output.WriteLine(result.ToString());
}
