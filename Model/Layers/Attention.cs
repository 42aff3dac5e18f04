// Attention: causal multi-head self-attention with rotate-half RoPE, as the official
// DeepseekAttention computes it (no biases, as many KV heads as heads, scale 1/√HS, no dropout):
//   q, k, v = x Wqᵀ, x Wkᵀ, x Wvᵀ;  q, k = RoPE(q), RoPE(k);  y = softmax(q kᵀ / √HS + mask) v;  out = y Woᵀ
// On a backend with HasFusedAttention, plain causal rows take the fused kernel (FlashAttention-2:
// no (T, TK) score matrix, memory O(B·NH·T·HS)); nanoGPT's "slow, obvious" attention (the whole
// score matrix, an additive -inf mask) is kept beside it as Composite.Attention, for packed rows'
// segment masks and backends without the kernel. PropertyTests/Model/ModelTests.cs checks the layer
// against a per-head loop with explicit rotations.
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
        mask.CheckWindow(offset, T);
        var q = QProj.Forward(x).Reshape(B, T, NH, HS).Rope(offset, _ropeTheta); // (B, T, C) -> (B, T, NH, HS)
        var k = KProj.Forward(x).Reshape(B, T, NH, HS).Rope(offset, _ropeTheta); // (B, T, NH, HS)
        var v = VProj.Forward(x).Reshape(B, T, NH, HS);                          // (B, T, NH, HS)
        if (cache is not null) (k, v) = cache.Append(k, v);                      // (B, T, NH, HS) -> (B, TK, NH, HS), TK = offset + T

        // Plain causal rows on a backend with the fused kernel never build the (T, TK) scores; packed
        // rows (fine-tuning's block-diagonal segment masks) and backends without it compose attention
        // from MatMul, the additive mask and Softmax (the oracle the fused op is tested against).
        var y = mask.IsPlainCausal && x.Data.Backend.HasFusedAttention
            ? Variable.Attention(q, k, v)                                        // (B, T, NH, HS), query t at position offset + t
            : Composite.Attention(q, k, v, mask.Rows(offset, T));                // (B, T, NH, HS)
        y = y.Reshape(B, T, C);                                                  // (B, T, NH, HS) -> (B, T, C)
        return OProj.Forward(y);                                                 // (B, T, C)
    }
}
