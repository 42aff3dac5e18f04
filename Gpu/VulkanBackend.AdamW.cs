// The AdamW update in place (Shaders/adamw.comp): one pass over param, grad, m and v, which the
// Tensor API guarantees are contiguous and of one shape. Bias corrections are computed here in
// double, as in the reference, and passed as floats.
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step)
    {
        CheckFloat32("AdamW", param, grad, m, v);
        if (param.Numel == 0) return;
        var push = new PushConstants()
            .U(param.Numel).U(param.Offset).U(grad.Offset).U(m.Offset).U(v.Offset)
            .F(step.LearningRate).F(step.Beta1).F(step.Beta2).F(step.Epsilon).F(step.WeightDecay)
            .F(1 - Math.Pow(step.Beta1, step.Step)).F(1 - Math.Pow(step.Beta2, step.Step));
        Dispatch(Kernel("adamw", 4, ElementwiseGroupSize), [Write(param), Read(grad), Write(m), Write(v)], push, GroupsFor(param.Numel, ElementwiseGroupSize));
    }
}
