// ReferenceOracle: the oracle of the Vulkan tests that check one kernel on hand-picked sizes:
// the same host data run through ReferenceBackend in float64, the specification of every kernel,
// and read back as doubles. Not here: the random-shape parity properties (PropertyTests/Kernels).
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Vulkan;

internal static class ReferenceOracle
{
    private static readonly ReferenceBackend Reference = new();

    /// <summary>Float32 host values as a float64 tensor on the reference.</summary>
    public static Tensor Float64(float[] data, params int[] shape) =>
        Tensor.FromArray(Array.ConvertAll(data, v => (double)v), shape, Reference);

    /// <summary>Int32 host values (offsets, indices) as a tensor on the reference.</summary>
    public static Tensor Int32(int[] data, params int[] shape) => Tensor.FromArray(data, shape, Reference);

    /// <summary>Runs expression on the reference and returns its values; its tensors are freed.</summary>
    public static double[] Values(Func<Tensor> expression)
    {
        using var scope = new TensorScope();
        return expression().ToDoubleArray();
    }
}
