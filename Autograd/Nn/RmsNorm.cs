// RmsNorm module: the fused RMSNorm over the last axis with a learned per-channel scale (ones at
// start). Composite.RmsNorm is the same computation in primitives.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public sealed class RmsNorm(int dim, double eps = 1e-6, DType dtype = DType.Float32, IBackend? backend = null) : Module
{
    public Parameter Weight { get; } = new(Tensor.Ones([dim], dtype, backend));
    public double Eps { get; } = eps;

    public Variable Forward(Variable x) => x.RmsNorm(ComputePrecision.Cast(Weight), Eps); // (..., C) -> (..., C), the scale in the compute dtype
}
