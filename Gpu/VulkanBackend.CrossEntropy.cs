// Cross-entropy forward and backward (Shaders/cross_entropy.comp, one shader, BACKWARD chosen by a
// specialization constant so both directions share the max / sum-of-exp pass). bf16 logits run the
// bf16 variant with float32 losses and dlosses (Tensor.StatisticsDType); other mixes are widened.
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void CrossEntropyForward(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses)
    {
        if (losses.DType != DType.Float32) { Bf16Widening.Run("rrw", [logits, targets, losses], (this, ignoreIndex), static (t, s) => s.Item1.CrossEntropyForward(t[0], t[1], s.ignoreIndex, t[2])); return; }
        if (logits.DType != DType.BFloat16) CheckFloat32("CrossEntropyForward", logits, losses);
        int N = logits.Shape[0], V = logits.Shape[1];
        if (N == 0) return;
        using var x = Dense(logits);
        using var t = Dense(targets);
        var push = new PushConstants().U((uint)N).U((uint)V).U(x.Offset).U(t.Offset).U(losses.Offset).U(0u).I(ignoreIndex);
        // Bindings 3 and 4 (dlosses, dlogits) are unused forward; logits stand in so the layout is the same.
        Dispatch(Kernel(Variant("cross_entropy", logits), 5, RowGroupFor(V), 0), [Read(x), Read(t), Write(losses), Read(x), Read(x)], push, GroupsFor(N, 1), label: "cross_entropy");
    }

    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor dlosses, Tensor dlogits)
    {
        if (MixesBf16(logits, dlogits) || dlosses.DType != DType.Float32) { Bf16Widening.Run("rrrw", [logits, targets, dlosses, dlogits], (this, ignoreIndex), static (t, s) => s.Item1.CrossEntropyBackward(t[0], t[1], s.ignoreIndex, t[2], t[3])); return; }
        if (logits.DType != DType.BFloat16) CheckFloat32("CrossEntropyBackward", logits, dlosses, dlogits);
        int N = logits.Shape[0], V = logits.Shape[1];
        if (N == 0) return;
        using var x = Dense(logits);
        using var t = Dense(targets);
        using var d = Dense(dlosses);
        var push = new PushConstants().U((uint)N).U((uint)V).U(x.Offset).U(t.Offset).U(dlogits.Offset).U(d.Offset).I(ignoreIndex);
        // Binding 2 (losses) is unused backward; dlosses stand in.
        Dispatch(Kernel(Variant("cross_entropy", logits), 5, RowGroupFor(V), 1), [Read(x), Read(t), Read(d), Read(d), Write(dlogits)], push, GroupsFor(N, 1), label: "cross_entropy");
    }
}
