// AttentionTests: the attention layer (Model/Layers/Attention.cs) against the textbook written as
// loops in double — q, k, v projections per head, the RoPE rotation of each (j, j + HS/2) pair at its
// position, a causal softmax over the scores, the output projection — on the micro model's config;
// and, through the whole micro model, the fused attention kernel against the composition it replaces.
using MoeFromScratch.Model.Layers;

namespace MoeFromScratch.PropertyTests.Model.Layers;

public sealed class AttentionTests
{
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
}
