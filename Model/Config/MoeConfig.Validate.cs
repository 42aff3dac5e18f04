// Validation of a MoeConfig: the impossible combinations, each rejected with one line naming the
// source (file or preset), the JSON field and what was expected. It does not check what is merely
// unusual (a model with no MoE layer past first_k_dense_replace is allowed).
namespace MoeFromScratch.Model.Config;

public sealed partial record MoeConfig
{
    public const long MaxExpertSlots = 1 << 16;
    public const long MaxParameters = 1L << 50;
    /// <summary>The most elements one tensor may have: kernels and shaders index elements with int.</summary>
    public const long MaxTensorElements = int.MaxValue;

    /// <summary>Throws ModelConfigException for the first impossible value; returns this otherwise.</summary>
    public MoeConfig Validate(string source)
    {
        void Fail(string field, string problem) => throw new ModelConfigException($"{source}: field '{field}' {problem}");
        void Positive(string field, double value) { if (!(value > 0)) Fail(field, $"must be positive, got {value}"); }
        void NonNegative(string field, double value) { if (!(value >= 0)) Fail(field, $"must not be negative, got {value}"); }

        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("max_position_embeddings", MaxPositionEmbeddings);
        NonNegative("intermediate_size", IntermediateSize);
        NonNegative("moe_intermediate_size", MoeIntermediateSize);
        NonNegative("n_shared_experts", NSharedExperts);
        NonNegative("n_routed_experts", NRoutedExperts);
        NonNegative("num_experts_per_tok", NumExpertsPerTok);
        NonNegative("first_k_dense_replace", FirstKDenseReplace);
        Positive("moe_layer_freq", MoeLayerFreq);
        NonNegative("aux_loss_alpha", AuxLossAlpha);
        NonNegative("device_aux_loss_alpha", DeviceAuxLossAlpha);
        Positive("rms_norm_eps", RmsNormEps);
        Positive("rope_theta", RopeTheta);
        Positive("initializer_range", InitializerRange);
        Positive("n_device_groups", NDeviceGroups);

        // Attention: C = NH·HS, and rotate-half RoPE pairs the two halves of a head.
        if (HiddenSize % NumAttentionHeads != 0)
            Fail("num_attention_heads", $"= {NumAttentionHeads} does not divide hidden_size {HiddenSize}");
        if (HeadSize % 2 != 0)
            Fail("num_attention_heads", $"= {NumAttentionHeads} gives head size {HeadSize}, which is odd; rotate-half RoPE needs an even head size");
        if (NumKeyValueHeads != NumAttentionHeads)
            Fail("num_key_value_heads", $"= {NumKeyValueHeads} must equal num_attention_heads {NumAttentionHeads} (only multi-head attention is implemented)");
        if (ScoringFunc != "softmax")
            Fail("scoring_func", $"= \"{ScoringFunc}\" is not supported; expected \"softmax\"");

        // Bounds no real model comes near, so the layout stays enumerable and its sizes and count fit.
        if ((long)NumHiddenLayers * (NRoutedExperts + 1L) > MaxExpertSlots)
            Fail("n_routed_experts", $"= {NRoutedExperts} over num_hidden_layers {NumHiddenLayers} layers exceeds {MaxExpertSlots} expert slots");
        if ((long)NSharedExperts * MoeIntermediateSize > int.MaxValue)
            Fail("n_shared_experts", $"= {NSharedExperts} times moe_intermediate_size {MoeIntermediateSize} exceeds {int.MaxValue}");
        Int128 parameters = 0;
        foreach (var p in ParameterLayout.Of(this))
        {
            parameters += p.Numel;
            if (p.Numel > MaxTensorElements)
                throw new ModelConfigException($"{source}: {FieldsOf(p.Shape)} make tensor '{p.Name}' of {p.Numel:N0} elements, more than a tensor holds ({MaxTensorElements:N0})");
        }
        if (parameters > MaxParameters)
            throw new ModelConfigException($"{source}: the sizes describe {parameters} parameters, more than {MaxParameters}; check hidden_size, vocab_size and the intermediate sizes");

        var layers = Enumerable.Range(0, NumHiddenLayers);
        if (layers.Any(l => !IsMoeLayer(l)))
            Positive("intermediate_size", IntermediateSize);

        if (MoeKind == MoeKind.Dense)
        {
            if (NRoutedExperts != 0 || NSharedExperts != 0)
                Fail("n_routed_experts", $"= {NRoutedExperts} (and n_shared_experts = {NSharedExperts}) must be 0 when moe_kind is dense");
            return this;
        }

        Positive("n_routed_experts", NRoutedExperts);
        Positive("moe_intermediate_size", MoeIntermediateSize);
        if (NumExpertsPerTok < 1 || NumExpertsPerTok > NRoutedExperts)
            Fail("num_experts_per_tok", $"= {NumExpertsPerTok} must be between 1 and n_routed_experts ({NRoutedExperts}): a token picks K' of the N' routed experts");
        if (MoeKind is MoeKind.Switch or MoeKind.Hash && NumExpertsPerTok != 1)
            Fail("num_experts_per_tok", $"= {NumExpertsPerTok} must be 1 for moe_kind {MoeKindNames.Name(MoeKind)} (top-1 routing)");
        if (MoeKind == MoeKind.Hash && AuxLossAlpha != 0)
            Fail("aux_loss_alpha", $"= {AuxLossAlpha} must be 0 for moe_kind hash: a fixed hash has no router to balance");
        if (NRoutedExperts % NDeviceGroups != 0)
            Fail("n_device_groups", $"= {NDeviceGroups} does not divide n_routed_experts {NRoutedExperts} into equal groups");
        return this;
    }

    // "field 'vocab_size' = 2000000000 × field 'hidden_size' = 64": the fields a weight's shape comes from.
    private string FieldsOf(int[] shape)
    {
        (string Field, int Value)[] fields = [("vocab_size", VocabSize), ("hidden_size", HiddenSize), ("intermediate_size", IntermediateSize),
            ("moe_intermediate_size", MoeIntermediateSize), ("n_shared_experts × moe_intermediate_size", SharedIntermediateSize), ("n_routed_experts", NRoutedExperts)];
        return string.Join(" × ", shape.Select(d => fields.FirstOrDefault(f => f.Value == d) is { Field: not null } f ? $"field '{f.Field}' = {d}" : $"{d}"));
    }
}
