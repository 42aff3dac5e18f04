// Fused causal attention on Vulkan beyond the parity suite's small shapes (KernelParityTests.Attention
// runs there with HS ≤ 6): the fused op against the composition on the device at the presets' head
// size 128 (the shaders' largest), T past two 64-row workgroups and a 16-key shared tile, a KV-cache
// offset, and k a view of a longer cache; and a head size above the limit refused by name.
using MoeFromScratch.PropertyTests.Autograd;

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class AttentionTests
{
    private static IBackend Gpu => VulkanTestDevice.Backend;

    [VulkanFact]
    public void Fused_attention_matches_the_composition_at_head_size_128() =>
        FusedAttentionTests.FusedMatchesComposite(Gpu, DType.Float32, B: 2, T: 133, NH: 2, HS: 128, TK: 141, seed: 7, "vulkan");

    [VulkanFact]
    public void A_head_size_above_128_is_refused_naming_the_limit()
    {
        using var q = Tensor.Zeros([1, 2, 1, 130], DType.Float32, Gpu);
        var error = Assert.Throws<NotSupportedException>(() => Tensor.Attention(q, q, q));
        Assert.Contains("head sizes up to 128, got 130", error.Message);
    }
}
