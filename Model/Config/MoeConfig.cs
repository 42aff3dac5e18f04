// MoeConfig: every number that fixes the shape of a DeepSeekMoE model or one of its baselines.
// It is not the model and holds no weights; it knows only what the architecture implies (which
// layers are MoE, the head size, the active experts). Loading, saving and validation live beside
// it in MoeConfigJson.cs and MoeConfig.Validate.cs; named configurations in MoePresets.cs.
// Defaults: the official deepseek-moe-16b-base config.json (except initializer_range, the paper's
// 0.006), so `new MoeConfig()` is the 16B model and presets and tests state only what differs.
// Follows: the official HuggingFace deepseek `config.json` (field names and meanings), nanoGPT's
// GPTConfig (one commented record), and the notation of Dai et al. 2024 (N', K', K_s, m).
namespace MoeFromScratch.Model.Config;

public sealed partial record MoeConfig
{
    // ---- vocabulary and backbone (official field names in the JSON) -----------------------------

    // vocab_size, V: number of token ids.
    public int VocabSize { get; init; } = 102400;

    // hidden_size, C: width of the residual stream.
    public int HiddenSize { get; init; } = 2048;

    // intermediate_size: inner width of the dense SwiGLU FFN used by non-MoE layers.
    public int IntermediateSize { get; init; } = 10944;

    // moe_intermediate_size: inner width of ONE fine-grained expert (shared or routed).
    public int MoeIntermediateSize { get; init; } = 1408;

    // num_hidden_layers: number of transformer blocks.
    public int NumHiddenLayers { get; init; } = 28;

    // num_attention_heads, NH: attention heads; HS = C / NH must be even (rotate-half RoPE).
    public int NumAttentionHeads { get; init; } = 16;

    // num_key_value_heads: must equal NH (plain multi-head attention, as in DeepSeekMoE).
    public int NumKeyValueHeads { get; init; } = 16;

    // ---- experts (paper notation in brackets) --------------------------------------------------

    // n_shared_experts [K_s]: experts every token uses, stored fused as one FFN of width K_s·moe_intermediate_size.
    public int NSharedExperts { get; init; } = 2;

    // n_routed_experts [N', E]: experts the router chooses among.
    public int NRoutedExperts { get; init; } = 64;

    // num_experts_per_tok [K', K]: routed experts each token activates.
    public int NumExpertsPerTok { get; init; } = 6;

    // first_k_dense_replace: the first this-many layers are dense FFNs (16B: layer 0).
    public int FirstKDenseReplace { get; init; } = 1;

    // moe_layer_freq: layer l (past the dense ones) is MoE iff l % moe_layer_freq == 0.
    public int MoeLayerFreq { get; init; } = 1;

    // norm_topk_prob: renormalise the K' gates to sum to 1. DeepSeekMoE does NOT (false).
    public bool NormTopkProb { get; init; } = false;

    // scoring_func: how router logits become scores; only "softmax" (eq. 11) exists here.
    public string ScoringFunc { get; init; } = "softmax";

    // aux_loss_alpha [α1]: weight of the expert-level balance loss (eq. 12); 0 turns it off.
    public double AuxLossAlpha { get; init; } = 0.001;

    // seq_aux: compute the balance loss per sequence and average over the batch (official default).
    public bool SeqAux { get; init; } = true;

    // ---- numerics and positions -----------------------------------------------------------------

    // rms_norm_eps: epsilon inside every RMSNorm.
    public double RmsNormEps { get; init; } = 1e-6;

    // rope_theta: base of the RoPE frequencies.
    public double RopeTheta { get; init; } = 10000;

    // max_position_embeddings: the longest sequence the model is configured for.
    public int MaxPositionEmbeddings { get; init; } = 4096;

    // tie_word_embeddings: share the embedding with lm_head. DeepSeekMoE keeps them untied (false).
    public bool TieWordEmbeddings { get; init; } = false;

    // initializer_range: std of the normal init of every matrix (paper: 0.006; the HF file says 0.02).
    public double InitializerRange { get; init; } = 0.006;

    // ---- ours, not in the official file (optional there, with these defaults) ---------------------

    // moe_kind: deepseek | gshard | switch | hash | dense (the paper's Table 1 baselines).
    public MoeKind MoeKind { get; init; } = MoeKind.DeepSeek;

    // device_aux_loss_alpha [α2]: weight of the device-level balance loss (eq. 15); 145B used 0.05.
    public double DeviceAuxLossAlpha { get; init; }

    // n_device_groups [D]: routed experts split into D equal groups for eq. 15-17; 1 = off.
    public int NDeviceGroups { get; init; } = 1;

    // ---- what the numbers imply -----------------------------------------------------------------

    /// <summary>HS: the size of one attention head.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>The official rule: MoE iff experts exist, l ≥ first_k_dense_replace and l % freq == 0.</summary>
    public bool IsMoeLayer(int layer) =>
        MoeKind != MoeKind.Dense && NRoutedExperts > 0 && layer >= FirstKDenseReplace && layer % MoeLayerFreq == 0;

    /// <summary>The inner width of the fused shared-expert FFN (K_s × expert width).</summary>
    public int SharedIntermediateSize => NSharedExperts * MoeIntermediateSize;

    /// <summary>Hash layers route by token id and so have no router weight.</summary>
    public bool HasRouter => MoeKind != MoeKind.Hash;
}
