// ModelTests: the whole DeepSeekMoe model on the CPU — its parameter names against the official
// layout, causality (a changed future token changes no earlier logit), the KV-cached forward against
// the full one (also through the ILanguageModel decoders), attention against a per-head loop with
// explicit RoPE rotations, and the checkpoint round trip (stacked experts <-> official per-expert
// tensors). Float64 where a comparison should be exact up to rounding. ModelGradCheckTests.cs and
// ModelVulkanTests.cs hold the finite-difference and the device checks; MicroModel is their config.
using MoeFromScratch.Autograd;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Model;

/// <summary>A model small enough for finite differences: layer 0 dense, layer 1 MoE (1 shared + 4 routed, top-2).</summary>
internal static class MicroModel
{
    public static readonly MoeConfig Config = new()
    {
        VocabSize = 16, HiddenSize = 8, IntermediateSize = 12, MaxPositionEmbeddings = 16, InitializerRange = 0.3,
        NumHiddenLayers = 2, NumAttentionHeads = 2, NumKeyValueHeads = 2,
        MoeIntermediateSize = 4, NSharedExperts = 1, NRoutedExperts = 4, NumExpertsPerTok = 2,
        AuxLossAlpha = 0.1,
    };

    public static DeepSeekMoe Build(DType dtype, IBackend? backend = null, MoeConfig? config = null, ulong seed = 5) =>
        new(config ?? Config, seed, backend ?? Device.Cpu, dtype);

    /// <summary>Deterministic token ids (B, T) in 0..V-1.</summary>
    public static int[] Tokens(int B, int T, int V, int seed = 3)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, B * T).Select(_ => random.Next(V)).ToArray();
    }

    public static Tensor Ids(int[] ids, int B, int T, IBackend? backend = null) => Tensor.FromArray(ids, [B, T], backend ?? Device.Cpu);
}

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

    [Fact]
    public void Fused_and_composed_attention_give_the_model_the_same_loss_and_gradients()
    {
        // One segment per row masks exactly as plain causal does, but takes the composition (MatMul,
        // additive mask, Softmax); no mask takes the fused kernel. Float64: only summation order differs.
        const int B = 2, T = 11;
        using var model = MicroModel.Build(DType.Float64);
        int V = model.Config.VocabSize;
        using var tokens = MicroModel.Ids(MicroModel.Tokens(B, T, V), B, T);
        using var targets = MicroModel.Ids(MicroModel.Tokens(B, T, V, seed: 4), B, T);
        (double Loss, double[][] Grads) LossAndGradients(CausalMask? mask)
        {
            using var scope = new TensorScope();
            model.ZeroGrad();
            var loss = model.Forward(tokens, targets, training: true, mask: mask).Loss!;
            loss.Backward();
            return (loss.Data.ToDoubleArray()[0], [.. model.Parameters().Select(p => p.Grad!.ToDoubleArray())]);
        }
        var fused = LossAndGradients(null);
        using var oneSegment = CausalMask.ForSegments(new int[B * T], B, T, model.Backend, DType.Float64);
        var composed = LossAndGradients(oneSegment);
        Assert.Equal(composed.Loss, fused.Loss, 1e-12);
        var names = model.NamedParameters().Select(p => p.Name).ToArray();
        for (int i = 0; i < names.Length; i++)
            ArrayAssert.Close(fused.Grads[i], composed.Grads[i], new(1e-12, 1e-9), $"{names[i]} gradient (fused vs composed attention)");
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
        using var cached = lm.StartDecoding();
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
    public void Attention_matches_a_per_head_loop_with_explicit_rope_rotations()
    {
        const int B = 2, T = 6;
        var config = MicroModel.Config;
        int C = config.HiddenSize, NH = config.NumAttentionHeads, HS = config.HeadSize;
        var attention = new Attention(config, 0.3, seed: 9, Device.Cpu, DType.Float64);
        using var mask = new CausalMask(config.MaxPositionEmbeddings, Device.Cpu, DType.Float64);
        using var scope = new TensorScope();
        var x = Tensor.RandN([B, T, C], 4, 0, 1, DType.Float64);
        var got = attention.Forward(new Variable(x), mask).Data.ToArray<double>();

        double[] W(Linear l) => l.Weight.Data.ToArray<double>();   // [out, in]
        var (wq, wk, wv, wo) = (W(attention.QProj), W(attention.KProj), W(attention.VProj), W(attention.OProj));
        var xs = x.ToArray<double>();
        double[] Project(double[] w, int b, int t) =>
            Enumerable.Range(0, C).Select(o => Enumerable.Range(0, C).Sum(i => xs[(b * T + t) * C + i] * w[o * C + i])).ToArray();
        double[] Rotate(double[] v, int pos)                      // pairs (j, j + HS/2) of one head
        {
            var r = (double[])v.Clone();
            for (int j = 0; j < HS / 2; j++)
            {
                double angle = pos * Math.Pow(config.RopeTheta, -2.0 * j / HS);
                r[j] = v[j] * Math.Cos(angle) - v[j + HS / 2] * Math.Sin(angle);
                r[j + HS / 2] = v[j + HS / 2] * Math.Cos(angle) + v[j] * Math.Sin(angle);
            }
            return r;
        }
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
            {
                var y = new double[C];
                for (int h = 0; h < NH; h++)
                {
                    double[] Head(double[] w, int s) => Project(w, b, s).Skip(h * HS).Take(HS).ToArray();
                    var q = Rotate(Head(wq, t), t);
                    var scores = Enumerable.Range(0, t + 1).Select(s => Rotate(Head(wk, s), s).Zip(q, (kk, qq) => kk * qq).Sum() / Math.Sqrt(HS)).ToArray();
                    double max = scores.Max(), z = scores.Sum(s => Math.Exp(s - max));
                    for (int s = 0; s <= t; s++)
                    {
                        var v = Head(wv, s);
                        for (int d = 0; d < HS; d++) y[h * HS + d] += Math.Exp(scores[s] - max) / z * v[d];
                    }
                }
                for (int o = 0; o < C; o++)
                {
                    double want = Enumerable.Range(0, C).Sum(i => y[i] * wo[o * C + i]);
                    Assert.True(Math.Abs(got[(b * T + t) * C + o] - want) < 1e-12, $"[{b},{t},{o}] got {got[(b * T + t) * C + o]} want {want}");
                }
            }
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
