// Random numbers: RandomUniform and RandomNormal (Shaders/random.comp, Philox4x32-10 in
// philox.glsl). Element i of y is a function of (seed, i) only, as in the reference, so the same
// seed gives the same tensor on every backend. A non-contiguous y is filled through a dense
// temporary (i is the row-major index, not the storage position). Float32 only.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void RandomUniform(Tensor y, ulong seed, double low, double high) => Random(y, seed, normal: false, low, high - low);

    public void RandomNormal(Tensor y, ulong seed, double mean, double std) => Random(y, seed, normal: true, mean, std);

    private void Random(Tensor y, ulong seed, bool normal, double a, double b)
    {
        if (Bf16Widening.Applies(y)) { Bf16Widening.Run("w", [y], (this, seed, normal, a, b), static (t, s) => s.Item1.Random(t[0], s.seed, s.normal, s.a, s.b)); return; }
        CheckFloat32(normal ? "RandomNormal" : "RandomUniform", y);
        if (y.Numel == 0) return;
        if (!y.IsContiguous)
        {
            using var dense = Tensor.Empty(y.Shape, y.DType, this);
            Random(dense, seed, normal, a, b);
            Copy(dense, y);
            return;
        }
        var push = new PushConstants()
            .U((uint)y.Numel).U(y.Offset)
            .U((uint)seed).U((uint)(seed >> 32))
            .U(0u).U(0u)
            .F(a).F(b);
        Dispatch(Kernel("random", 1, ElementwiseGroupSize, normal ? 1u : 0u), [Write(y)], push, GroupsFor(y.Numel, ElementwiseGroupSize));
    }
}
