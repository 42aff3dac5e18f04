// Fused causal attention on Vulkan: not yet a shader. HasFusedAttention is false, so the model
// composes attention from MatMul, the additive mask and Softmax here (it materialises the (T, TK)
// scores); the two kernels below refuse rather than run anything.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public bool HasFusedAttention => false;

    public void AttentionForward(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse) =>
        throw new NotSupportedException($"AttentionForward: {Name} has no fused attention kernel (HasFusedAttention is false)");

    public void AttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dq, Tensor dk, Tensor dv) =>
        throw new NotSupportedException($"AttentionBackward: {Name} has no fused attention kernel (HasFusedAttention is false)");
}
