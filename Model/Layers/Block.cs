// Block: one pre-norm decoder layer of DeepSeekMoE (the official DeepseekDecoderLayer):
//   h   = x + Attn(input_layernorm(x))
//   out = h + MLP(post_attention_layernorm(h))        MLP = MoE layer (eq. 9, residual added here) or dense FFN
// Layer l is MoE iff the config says so (MoeConfig.IsMoeLayer: experts exist, l ≥ first_k_dense_replace,
// l % moe_layer_freq == 0); otherwise its MLP is a dense SwiGLU Expert of width intermediate_size.
// Names: input_layernorm, self_attn, post_attention_layernorm, mlp (official).
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public sealed class Block : Module
{
    public Block(MoeConfig config, int layer, double initStd, ulong seed, IBackend backend, DType dtype, ExpertShards? shards = null)
    {
        int C = config.HiddenSize;
        InputLayernorm = new RmsNorm(C, config.RmsNormEps, dtype, backend);
        SelfAttn = new Attention(config, initStd, seed, backend, dtype);
        PostAttentionLayernorm = new RmsNorm(C, config.RmsNormEps, dtype, backend);
        Mlp = config.IsMoeLayer(layer)
            ? new MoeLayer(config, layer, initStd, seed + 100, backend, dtype, shards)
            : new Expert(C, config.IntermediateSize, initStd, seed + 100, backend, dtype);
    }

    public RmsNorm InputLayernorm { get; }
    public Attention SelfAttn { get; }
    public RmsNorm PostAttentionLayernorm { get; }

    /// <summary>The feed-forward part: a MoeLayer or a dense Expert.</summary>
    public Module Mlp { get; }

    public MoeLayer? Moe => Mlp as MoeLayer;

    /// <summary>x (B, T, C) -> (B, T, C), and the MoE layer's routing output (null for a dense layer).</summary>
    public (Variable Out, MoeOutput? Moe) Forward(Variable x, Tensor tokens, CausalMask mask, bool training,
        RoutingOverride? routing = null, KvCache? cache = null)
    {
        var h = x + SelfAttn.Forward(InputLayernorm.Forward(x), mask, cache);          // (B, T, C)
        var u = PostAttentionLayernorm.Forward(h);                                      // (B, T, C)
        if (Mlp is MoeLayer moe)
        {
            var routed = moe.Forward(u, tokens, training, routing);                     // eq. 9 without u_t
            return (h + routed.Y, routed);                                              // (B, T, C)
        }
        return (h + ((Expert)Mlp).Forward(u), null);                                    // (B, T, C)
    }
}
