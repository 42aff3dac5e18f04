// ModelTests: the whole DeepSeekMoe model on the CPU — its parameter names against the official
// layout, causality (a changed future token changes no earlier logit), the KV-cached forward against
// the full one (also through the ILanguageModel decoders) and the checkpoint round trip (stacked
// experts <-> official per-expert tensors). Float64 where a comparison should be exact up to rounding.
// ModelGradCheckTests.cs and ModelVulkanTests.cs hold the finite-difference and the device checks;
// MicroModel.cs is their model; Layers/AttentionTests.cs checks the attention layer alone.
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Model;

public sealed class ModelTests
{
    [Fact]
    public void Parameters_carry_the_official_names_and_shapes_once_the_experts_are_unstacked()
    {
        using var model = MicroModel.Build(DType.Float32);
        using var scope = new TensorScope();
        var official = ModelWeights.Official(model, p => p.Data).ToDictionary(w => w.Name, w => w.Tensor.Shape);
        var layout = ParameterLayout.Of(model.Config).ToDictionary(p => p.Name, p => p.Shape);
        Assert.Equal(layout.Keys.Order(), official.Keys.Order());
        foreach (var (name, shape) in layout) Assert.Equal(shape, official[name]);
        Assert.Contains(model.NamedParameters(), p => p.Name == "model.layers.0.self_attn.q_proj.weight");
        Assert.Contains(model.NamedParameters(), p => p.Name == "lm_head.weight");
    }

    [Fact]
    public void Changing_a_future_token_never_changes_earlier_logits()
    {
        const int B = 2, T = 10;
        using var model = MicroModel.Build(DType.Float64);
        using var scope = new TensorScope();
        using var noGrad = Grad.NoGrad();
        var ids = MicroModel.Tokens(B, T, model.Config.VocabSize);
        var before = model.Forward(MicroModel.Ids(ids, B, T)).Logits.Data.ToArray<double>();
        for (int changed = 1; changed < T; changed += 3)
        {
            var other = (int[])ids.Clone();
            for (int b = 0; b < B; b++) other[b * T + changed] = (other[b * T + changed] + 1 + b) % model.Config.VocabSize;
            var after = model.Forward(MicroModel.Ids(other, B, T)).Logits.Data.ToArray<double>();
            int V = model.Config.VocabSize;
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++)
                {
                    double diff = Enumerable.Range(0, V).Max(v => Math.Abs(after[(b * T + t) * V + v] - before[(b * T + t) * V + v]));
                    if (t < changed) Assert.True(diff < 1e-12, $"token {changed} changed, logits at {t} moved by {diff:e2}");
                    if (t == changed) Assert.True(diff > 1e-6, $"the changed token's own logits did not move ({diff:e2})");
                }
        }
    }

    [Theory]
    [InlineData(new[] { 10 })]
    [InlineData(new[] { 3, 1, 4, 2 })]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    public void KV_cached_forward_equals_the_full_forward(int[] chunks)
    {
        const int B = 2, T = 10;
        using var model = MicroModel.Build(DType.Float64);
        using var scope = new TensorScope();
        using var noGrad = Grad.NoGrad();
        var ids = MicroModel.Tokens(B, T, model.Config.VocabSize, seed: 11);
        var full = model.Forward(MicroModel.Ids(ids, B, T), training: false).Logits;   // (B, T, V)

        var caches = model.NewCaches(B);
        try
        {
            int start = 0;
            foreach (int n in chunks)
            {
                var part = Enumerable.Range(0, B).SelectMany(b => ids.Skip(b * T + start).Take(n)).ToArray();
                var got = model.Forward(MicroModel.Ids(part, B, n), training: false, caches: caches).Logits.Data.ToArray<double>();
                var want = full.Data.Narrow(1, start, n).Contiguous().ToArray<double>();
                double err = got.Zip(want, (g, w) => Math.Abs(g - w)).Max();
                Assert.True(err < 1e-12, $"positions {start}..{start + n - 1}: cached logits differ by {err:e2}");
                start += n;
            }
            Assert.Equal(T, caches[0].Length);
        }
        finally
        {
            foreach (var c in caches) c.Dispose();
        }
    }

    [Fact]
    public void KV_cached_decoder_agrees_with_the_recomputing_decoder_past_the_context_length()
    {
        var config = MicroModel.Config with { MaxPositionEmbeddings = 6 };
        using var lm = new DeepSeekMoeLanguageModel(MicroModel.Build(DType.Float32, config: config));
        using var cached = lm.StartDecoding(positions: 2);   // planned short: grows 2 -> 4 -> 6, then restarts
        using var recomputing = new RecomputingDecoder(lm);
        Assert.IsType<KvCachedDecoder>(cached);
        var ids = MicroModel.Tokens(1, 11, config.VocabSize, seed: 2);
        foreach (var chunk in new[] { ids[..3], ids[3..4], ids[4..6], ids[6..7], ids[7..9], ids[9..] })   // crosses 6 twice
        {
            var a = cached.Append(chunk);
            var b = recomputing.Append(chunk);
            Assert.Equal(config.VocabSize, a.Length);
            Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Max() < 1e-5, "cached and recomputed next-token logits differ");
        }
    }

    [Fact]
    public void The_KV_cache_holds_the_planned_positions_and_the_memory_plan_counts_exactly_those()
    {
        var config = MicroModel.Config with { MaxPositionEmbeddings = 4096 };
        using var lm = new DeepSeekMoeLanguageModel(MicroModel.Build(DType.Float32, config: config));
        int positions = TextGenerator.Positions(promptTokens: 3, maxTokens: 5, config.MaxPositionEmbeddings);
        using var decoder = (KvCachedDecoder)lm.StartDecoding(positions);
        Assert.Equal(8, decoder.Capacity);                                     // not max_position_embeddings
        long cacheBytes = 2L * config.NumHiddenLayers * decoder.Capacity * config.NumAttentionHeads * config.HeadSize * sizeof(float);
        var plan = MemoryPlan.ForInference(config, positions, "test", kvCache: true, fusedAttention: true);
        Assert.Equal(cacheBytes, plan.Parts.Single(p => p.Part == "KV cache").Bytes);
        decoder.Append(MicroModel.Tokens(1, 9, config.VocabSize));           // one past the plan: at least doubled
        Assert.Equal(16, decoder.Capacity);
        Assert.Equal(4096, TextGenerator.Positions(3, 10_000, config.MaxPositionEmbeddings));   // never past the context
    }

    [Fact]
    public void Checkpoint_round_trip_restores_every_weight_and_writes_official_names()
    {
        string folder = Path.Combine(Path.GetTempPath(), "moe-modelweights-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = MicroModel.Build(DType.Float32, seed: 21);
            ModelWeights.Save(model, folder);
            var (config, weights) = ModelCheckpoint.Load(folder);   // names and shapes checked against the layout
            Assert.Equal(model.Config, config);
            Assert.Contains("model.layers.1.mlp.experts.3.down_proj.weight", weights.Keys);
            foreach (var t in weights.Values) t.Dispose();

            using var loaded = ModelWeights.Load(folder, Device.Cpu, DType.Float64);
            var original = model.NamedParameters().ToList();
            var restored = loaded.NamedParameters().ToList();
            Assert.Equal(original.Select(p => p.Name), restored.Select(p => p.Name));
            foreach (var ((name, a), (_, b)) in original.Zip(restored))
                Assert.True(a.Data.ToArray<float>().Select(v => (double)v).SequenceEqual(b.Data.ToArray<double>()), $"{name} changed in the round trip");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
