// Attention: causal multi-head self-attention with rotate-half RoPE, as the official
// DeepseekAttention computes it (no biases, as many KV heads as heads, scale 1/√HS, no dropout):
//   q, k, v = x Wqᵀ, x Wkᵀ, x Wvᵀ;  q, k = RoPE(q), RoPE(k);  y = softmax(q kᵀ / √HS + mask) v;  out = y Woᵀ
// This is nanoGPT's "slow, obvious" attention (the whole (T, T) score matrix, an additive -inf mask
// above the diagonal): the project has no fused flash-attention kernel, so there is no fast path
// beside it. PropertyTests/Model/ModelTests.cs checks it against a per-head loop with explicit rotations.
// With a KvCache (generation) the keys and values of earlier positions are read from the cache and
// the new positions start at RoPE offset = cache length; with none, every position is computed.
// Parameter names are the official ones: q_proj, k_proj, v_proj, o_proj (weights [C, C], [out, in]).
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public sealed class Attention : Module
{
    private readonly int _heads, _headSize;
    private readonly double _ropeTheta;

    public Attention(MoeConfig config, double initStd, ulong seed, IBackend? backend = null, DType dtype = DType.Float32)
    {
        int C = config.HiddenSize;
        (_heads, _headSize, _ropeTheta) = (config.NumAttentionHeads, config.HeadSize, config.RopeTheta);
        QProj = Init.NormalLinear(C, C, initStd, seed, backend, dtype);
        KProj = Init.NormalLinear(C, C, initStd, seed + 1, backend, dtype);
        VProj = Init.NormalLinear(C, C, initStd, seed + 2, backend, dtype);
        OProj = Init.NormalLinear(C, C, initStd, seed + 3, backend, dtype);
    }

    public Linear QProj { get; }
    public Linear KProj { get; }
    public Linear VProj { get; }
    public Linear OProj { get; }

    /// <summary>x (B, T, C) -> (B, T, C). With a cache, x holds the positions after the cached ones.</summary>
    public Variable Forward(Variable x, CausalMask mask, KvCache? cache = null)
    {
        int B = x.Shape[0], T = x.Shape[1], C = x.Shape[2], NH = _heads, HS = _headSize;
        int offset = cache?.Length ?? 0;                                         // position of x's first token
        var q = QProj.Forward(x).Reshape(B, T, NH, HS).Rope(offset, _ropeTheta); // (B, T, C) -> (B, T, NH, HS)
        var k = KProj.Forward(x).Reshape(B, T, NH, HS).Rope(offset, _ropeTheta); // (B, T, NH, HS)
        var v = VProj.Forward(x).Reshape(B, T, NH, HS);                          // (B, T, NH, HS)
        if (cache is not null) (k, v) = cache.Append(k, v);                      // (B, T, NH, HS) -> (B, TK, NH, HS), TK = offset + T

        var qh = q.Transpose(1, 2);                                              // (B, NH, T, HS)
        var kh = k.Transpose(1, 2);                                              // (B, NH, TK, HS)
        var vh = v.Transpose(1, 2);                                              // (B, NH, TK, HS)
        var scores = qh.MatMul(kh.MT) * (1.0 / Math.Sqrt(HS));                   // (B, NH, T, HS) @ (B, NH, HS, TK) -> (B, NH, T, TK)
        var att = (scores + mask.Rows(offset, T)).Softmax(-1);                   // -inf where key > query: (B, NH, T, TK)
        var y = att.MatMul(vh);                                                  // (B, NH, T, TK) @ (B, NH, TK, HS) -> (B, NH, T, HS)
        y = y.Transpose(1, 2).Contiguous().Reshape(B, T, C);                     // (B, NH, T, HS) -> (B, T, NH, HS) -> (B, T, C)
        return OProj.Forward(y);                                                 // (B, T, C)
    }
}
