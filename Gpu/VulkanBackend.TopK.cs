// TopK along the last axis (Shaders/topk.comp), the MoE router's expert choice: one workgroup
// per row; ties keep the lower column first, as in the reference. A strided input is made dense first.
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void TopK(Tensor x, int k, Tensor values, Tensor indices)
    {
        if (Bf16Widening.Applies(x, values)) { Bf16Widening.Run("rww", [x, values, indices], (this, k), static (t, s) => s.Item1.TopK(t[0], s.k, t[1], t[2])); return; }
        CheckFloat32("TopK", x, values);
        if (values.Numel == 0) return;
        using var dense = Dense(x);
        int C = x.Shape[^1];
        long rows = values.Numel / k;
        var push = new PushConstants().U(rows).U((uint)C).U((uint)k).U(dense.Offset).U(values.Offset).U(indices.Offset);
        Dispatch(Kernel("topk", 3, RowGroupFor(C)), [Read(dense), Write(values), Write(indices)], push, GroupsFor(rows, 1));
    }
}
