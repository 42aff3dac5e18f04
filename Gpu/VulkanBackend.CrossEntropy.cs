// Cross-entropy forward and backward (Shaders/cross_entropy.comp, one shader, BACKWARD chosen by a
// specialization constant so both directions share the max / sum-of-exp pass).
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void CrossEntropyForward(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses)
    {
        if (Bf16Widening.Applies(logits, losses)) { Bf16Widening.Run("rrw", [logits, targets, losses], (this, ignoreIndex), static (t, s) => s.Item1.CrossEntropyForward(t[0], t[1], s.ignoreIndex, t[2])); return; }
        CheckFloat32("CrossEntropyForward", logits, losses);
        int N = logits.Shape[0], V = logits.Shape[1];
        if (N == 0) return;
        using var x = Dense(logits);
        using var t = Dense(targets);
        var push = new PushConstants().U((uint)N).U((uint)V).U(x.Offset).U(t.Offset).U(losses.Offset).U(0u).I(ignoreIndex);
        // Binding 3 (dlosses) is unused forward; logits stand in so the layout is the same.
        Dispatch(Kernel("cross_entropy", 4, RowGroupFor(V), 0), [Read(x), Read(t), Write(losses), Read(x)], push, GroupsFor(N, 1));
    }

    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor dlosses, Tensor dlogits)
    {
        if (Bf16Widening.Applies(logits, dlosses, dlogits)) { Bf16Widening.Run("rrrw", [logits, targets, dlosses, dlogits], (this, ignoreIndex), static (t, s) => s.Item1.CrossEntropyBackward(t[0], t[1], s.ignoreIndex, t[2], t[3])); return; }
        CheckFloat32("CrossEntropyBackward", logits, dlosses, dlogits);
        int N = logits.Shape[0], V = logits.Shape[1];
        if (N == 0) return;
        using var x = Dense(logits);
        using var t = Dense(targets);
        using var d = Dense(dlosses);
        var push = new PushConstants().U((uint)N).U((uint)V).U(x.Offset).U(t.Offset).U(dlogits.Offset).U(d.Offset).I(ignoreIndex);
        Dispatch(Kernel("cross_entropy", 4, RowGroupFor(V), 1), [Read(x), Read(t), Write(dlogits), Read(d)], push, GroupsFor(N, 1));
    }
}
