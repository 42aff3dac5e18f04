// RMSNorm forward/backward (Shaders/rmsnorm.comp, rmsnorm_backward.comp).
// The shaders take contiguous rows; a strided input is made dense on the device first (one copy
// dispatch), which keeps the fused kernels short.
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void RmsNormForward(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd)
    {
        if (MixesBf16(x, weight, y) || rstd.DType != DType.Float32) { Bf16Widening.Run("rrww", [x, weight, y, rstd], (this, eps), static (t, s) => s.Item1.RmsNormForward(t[0], t[1], s.eps, t[2], t[3])); return; }
        if (x.DType != DType.BFloat16) CheckFloat32("RmsNormForward", x, weight, y, rstd);   // the bf16 variant: x, weight, y bf16, rstd float32
        int N = x.Shape[0], C = x.Shape[1];
        if (N == 0) return;
        using var dx = Dense(x);
        using var dw = Dense(weight);
        var push = new PushConstants().U((uint)N).U((uint)C).U(dx.Offset).U(dw.Offset).U(y.Offset).U(rstd.Offset).F(eps);
        Dispatch(Kernel(Variant("rmsnorm", y), 4, RowGroupFor(C)), [Read(dx), Read(dw), Write(y), Write(rstd)], push, GroupsFor(N, 1), label: "rmsnorm");
    }

    public void RmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight)
    {
        if (MixesBf16(dy, x, weight, dx, dweight) || rstd.DType != DType.Float32) { Bf16Widening.Run("rrrrww", [dy, x, weight, rstd, dx, dweight], this, static (t, s) => s.RmsNormBackward(t[0], t[1], t[2], t[3], t[4], t[5])); return; }
        if (x.DType != DType.BFloat16) CheckFloat32("RmsNormBackward", dy, x, weight, rstd, dx, dweight);   // the bf16 variant: all bf16 but rstd
        int N = x.Shape[0], C = x.Shape[1];
        if (C == 0) return;
        using var ddy = Dense(dy);
        using var dxin = Dense(x);
        using var dw = Dense(weight);
        using var dr = Dense(rstd);
        var push = new PushConstants().U((uint)N).U((uint)C)
            .U(ddy.Offset).U(dxin.Offset).U(dw.Offset).U(dr.Offset).U(dx.Offset).U(dweight.Offset);
        Binding[] bindings = [Read(ddy), Read(dxin), Read(dw), Read(dr), Write(dx), Write(dweight)];
        string shader = Variant("rmsnorm_backward", x);
        if (N > 0) Dispatch(Kernel(shader, 6, RowGroupFor(C), 0), bindings, push, GroupsFor(N, 1), label: "rmsnorm_backward");
        Dispatch(Kernel(shader, 6, RowGroupSize, 1), bindings, push, GroupsFor(C, RowGroupSize), label: "rmsnorm_backward");
    }
}
