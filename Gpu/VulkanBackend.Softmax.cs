// Row-wise Softmax and LogSoftmax over the last axis (Shaders/softmax.comp): one workgroup per
// row, sized by RowGroupFor (VulkanBackend.Reduce.cs). A strided input is made dense first.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void Softmax(Tensor x, Tensor y, bool log)
    {
        if (MixesBf16(x, y)) { Bf16Widening.Run("rw", [x, y], (this, log), static (t, s) => s.Item1.Softmax(t[0], t[1], s.log)); return; }
        if (x.DType != DType.BFloat16) CheckFloat32(log ? "LogSoftmax" : "Softmax", x, y);
        if (y.Numel == 0) return;
        using var dense = Dense(x);
        int C = x.Shape[^1];
        long rows = y.Numel / C;
        var push = new PushConstants().U(rows).U((uint)C).U(dense.Offset).U(y.Offset);
        Dispatch(Kernel(Variant("softmax", y), 2, RowGroupFor(C), log ? 1u : 0u), [Read(dense), Write(y)], push, GroupsFor(rows, 1), label: "softmax");
    }
}
