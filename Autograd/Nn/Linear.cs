// Linear: y = x @ weightᵀ + bias, weight (out, in) as in PyTorch and Hugging Face checkpoints.
// Initialised like torch.nn.Linear: uniform in ±1/sqrt(in), seeded so every run agrees; or around
// weights the caller drew itself (the model's N(0, std), Model/Layers/Init.cs), drawn once.
// Under mixed precision it reads its weights cast to the compute dtype (ComputePrecision.cs).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, bool bias = true, ulong seed = 0, DType dtype = DType.Float32, IBackend? backend = null)
    {
        double bound = 1 / Math.Sqrt(inFeatures);
        Weight = new Parameter(Tensor.Rand([outFeatures, inFeatures], seed, -bound, bound, dtype, backend));
        if (bias) Bias = new Parameter(Tensor.Rand([outFeatures], seed + 1, -bound, bound, dtype, backend));
    }

    /// <summary>A Linear around weights its caller initialised: weight (out, in), bias (out).</summary>
    public Linear(Parameter weight, Parameter? bias = null)
    {
        Weight = weight;
        Bias = bias;
    }

    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    /// <summary>(..., in) -> (..., out), with the weights in the compute dtype (ComputePrecision).</summary>
    public Variable Forward(Variable x) =>
        Functional.Linear(x, ComputePrecision.Cast(Weight), Bias is null ? null : ComputePrecision.Cast(Bias));
}
