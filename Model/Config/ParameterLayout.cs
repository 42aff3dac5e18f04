// ParameterLayout: every weight a config implies, under its official HuggingFace checkpoint name,
// with its shape ([out, in] for matrices) and the part of the model it belongs to. The one list
// that parameter counting, checkpoint checking and (later) model construction all read, so they
// cannot disagree. It allocates nothing: 16B is ~5K entries, 145B ~24K.
// Follows: the tensor names of deepseek-moe-16b-base (paper-notes.md, "HF checkpoint tensor names").
namespace MoeFromScratch.Model.Config;

/// <summary>The parts of the model that parameter counts are broken down by.</summary>
public enum ParamGroup
{
    Embedding,     // model.embed_tokens
    Attention,     // q, k, v, o projections
    DenseFfn,      // the SwiGLU FFN of non-MoE layers
    RoutedExperts, // N' experts per MoE layer, K' of them active per token
    SharedExperts, // the fused K_s shared experts
    Router,        // mlp.gate: the e_i of eq. 11
    Norms,         // RMSNorm weights
    LmHead,        // untied output projection
}

/// <summary>One weight: official name, shape, group, and the layer it sits in (-1: none).</summary>
public sealed record ParamSpec(string Name, int[] Shape, ParamGroup Group, int Layer)
{
    public long Numel => Tensors.Shape.Numel(Shape);
}

public static class ParameterLayout
{
    public static IEnumerable<ParamSpec> Of(MoeConfig config)
    {
        int C = config.HiddenSize, V = config.VocabSize;
        yield return new("model.embed_tokens.weight", [V, C], ParamGroup.Embedding, -1);
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            string layer = $"model.layers.{l}.";
            yield return new(layer + "input_layernorm.weight", [C], ParamGroup.Norms, l);
            foreach (var projection in new[] { "q", "k", "v", "o" })
                yield return new(layer + $"self_attn.{projection}_proj.weight", [C, C], ParamGroup.Attention, l);
            yield return new(layer + "post_attention_layernorm.weight", [C], ParamGroup.Norms, l);

            if (!config.IsMoeLayer(l))
            {
                foreach (var w in SwiGlu(layer + "mlp.", config.IntermediateSize, C, ParamGroup.DenseFfn, l)) yield return w;
                continue;
            }
            if (config.HasRouter)
                yield return new(layer + "mlp.gate.weight", [config.NRoutedExperts, C], ParamGroup.Router, l);
            for (int e = 0; e < config.NRoutedExperts; e++)
                foreach (var w in SwiGlu(layer + $"mlp.experts.{e}.", config.MoeIntermediateSize, C, ParamGroup.RoutedExperts, l)) yield return w;
            if (config.NSharedExperts > 0)
                foreach (var w in SwiGlu(layer + "mlp.shared_experts.", config.SharedIntermediateSize, C, ParamGroup.SharedExperts, l)) yield return w;
        }
        yield return new("model.norm.weight", [C], ParamGroup.Norms, -1);
        if (!config.TieWordEmbeddings)
            yield return new("lm_head.weight", [V, C], ParamGroup.LmHead, -1);
    }

    // down(silu(gate(x)) * up(x)), no biases.
    private static IEnumerable<ParamSpec> SwiGlu(string prefix, int inner, int C, ParamGroup group, int layer)
    {
        yield return new(prefix + "gate_proj.weight", [inner, C], group, layer);
        yield return new(prefix + "up_proj.weight", [inner, C], group, layer);
        yield return new(prefix + "down_proj.weight", [C, inner], group, layer);
    }
}
