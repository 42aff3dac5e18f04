// MicroModel: the model the whole-model tests share (ModelTests, ModelGradCheckTests, ModelVulkanTests,
// PackedBatchesTests): two layers, the second MoE, small enough for finite differences in float64.
using MoeFromScratch.Model;

namespace MoeFromScratch.PropertyTests.Model;

/// <summary>A model small enough for finite differences: layer 0 dense, layer 1 MoE (1 shared + 4 routed, top-2).</summary>
internal static class MicroModel
{
    public static MoeConfig Config { get; } = new()
    {
        VocabSize = 16,
        HiddenSize = 8,
        IntermediateSize = 12,
        MaxPositionEmbeddings = 16,
        InitializerRange = 0.3,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 2,
        MoeIntermediateSize = 4,
        NSharedExperts = 1,
        NRoutedExperts = 4,
        NumExpertsPerTok = 2,
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
