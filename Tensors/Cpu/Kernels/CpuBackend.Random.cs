// CpuBackend, counter-based random numbers: element i of y depends only on (seed, i), so the
// CPU, the reference and the GPU produce the same tensor.
// TODO(philox): call MoeFromScratch.Tensors.Random.Philox once the reference work lands in main.
namespace MoeFromScratch.Tensors.Cpu;

public sealed partial class CpuBackend
{
    public void RandomUniform(Tensor y, ulong seed, double low, double high) =>
        throw new NotImplementedException("RandomUniform: waiting for Tensors/Random/Philox.cs (TODO(philox))");

    public void RandomNormal(Tensor y, ulong seed, double mean, double std) =>
        throw new NotImplementedException("RandomNormal: waiting for Tensors/Random/Philox.cs (TODO(philox))");
}
