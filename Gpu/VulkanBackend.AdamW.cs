// The AdamW update in place (Shaders/adamw.comp): one pass over param, grad, m and v, which the
// Tensor API guarantees are contiguous and of one shape. Ungated, the bias corrections are computed
// here in double, as in the reference, and passed as floats; gated (ClipGate, Shaders/clip_gate.comp),
// the skip, the clip coefficient and t are read on the device, so nothing is read back.
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void ClipGate(Tensor sumOfSquares, Tensor? loss, double maxNorm, Tensor gate)
    {
        CheckFloat32("ClipGate", [sumOfSquares, gate, .. loss is null ? Array.Empty<Tensor>() : [loss]]);
        var push = new PushConstants()
            .U(sumOfSquares.Offset).U(loss?.Offset ?? 0).U(gate.Offset).U(loss is null ? 0 : 1).F(maxNorm);
        Dispatch(Kernel("clip_gate", 3), [Read(sumOfSquares), Read(loss ?? sumOfSquares), Write(gate)], push, 1);
    }

    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step, Tensor? gate = null)
    {
        if (Bf16Widening.Applies(param, grad, m, v)) { Bf16Widening.Run("uruu", [param, grad, m, v], (this, step, gate), static (t, s) => s.Item1.AdamW(t[0], t[1], t[2], t[3], s.step, s.gate)); return; }
        CheckFloat32("AdamW", param, grad, m, v);
        if (gate is not null) CheckFloat32("AdamW", gate);
        if (param.Numel == 0) return;
        var push = new PushConstants()
            .U(param.Numel).U(param.Offset).U(grad.Offset).U(m.Offset).U(v.Offset)
            .F(step.LearningRate).F(step.Beta1).F(step.Beta2).F(step.Epsilon).F(step.WeightDecay)
            .F(1 - Math.Pow(step.Beta1, step.Step)).F(1 - Math.Pow(step.Beta2, step.Step))
            .U(gate is null ? 0 : 1).U(gate?.Offset ?? 0);
        Dispatch(Kernel("adamw", 5, ElementwiseGroupSize), [Write(param), Read(grad), Write(m), Write(v), Read(gate ?? grad)], push, GroupsFor(param.Numel, ElementwiseGroupSize));
    }
}
