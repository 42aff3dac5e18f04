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
        CheckFloat32("RmsNormForward", x, weight, y, rstd);
        int N = x.Shape[0], C = x.Shape[1];
        if (N == 0) return;
        using var dx = Dense(x);
        using var dw = Dense(weight);
        var push = new PushConstants().U((uint)N).U((uint)C).U(dx.Offset).U(dw.Offset).U(y.Offset).U(rstd.Offset).F(eps);
        Dispatch(Kernel("rmsnorm", 4, RowGroupFor(C)), [Read(dx), Read(dw), Write(y), Write(rstd)], push, GroupsFor(N, 1));
    }

    public void RmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight)
    {
        CheckFloat32("RmsNormBackward", dy, x, weight, rstd, dx, dweight);
        int N = x.Shape[0], C = x.Shape[1];
        if (C == 0) return;
        using var ddy = Dense(dy);
        using var dxin = Dense(x);
        using var dw = Dense(weight);
        using var dr = Dense(rstd);
        var push = new PushConstants().U((uint)N).U((uint)C)
            .U(ddy.Offset).U(dxin.Offset).U(dw.Offset).U(dr.Offset).U(dx.Offset).U(dweight.Offset);
        Binding[] bindings = [Read(ddy), Read(dxin), Read(dw), Read(dr), Write(dx), Write(dweight)];
        if (N > 0) Dispatch(Kernel("rmsnorm_backward", 6, RowGroupFor(C), 0), bindings, push, GroupsFor(N, 1));
        Dispatch(Kernel("rmsnorm_backward", 6, RowGroupSize, 1), bindings, push, GroupsFor(C, RowGroupSize));
    }
}
