// Reference counter-based random fills (Philox; see Random/Philox.cs for the bit-exact mapping):
// element i of the row-major order depends only on (seed, i), never on the strides or the device.
using MoeFromScratch.Tensors.Random;

namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>y[i] = low + (high − low)·u(seed, i), i the row-major element number.</summary>
    public void RandomUniform(Tensor y, ulong seed, double low, double high)
    {
        long element = 0;
        foreach (var i in StridedIndex.Over(y.Shape))
            Set(y, i, low + (high - low) * Philox.Uniform(seed, element++));
    }

    /// <summary>y[i] = mean + std·z(seed, i), z standard normal by Box-Muller.</summary>
    public void RandomNormal(Tensor y, ulong seed, double mean, double std)
    {
        long element = 0;
        foreach (var i in StridedIndex.Over(y.Shape))
            Set(y, i, mean + std * Philox.Normal(seed, element++));
    }
}
