// Seeded random tensors through the Tensor API: identical for the same seed, different for another
// seed, float32 equal to float64 rounded (both come from the same 24-bit uniforms), and with the
// moments of their distributions. The statistical bounds are 6 standard errors wide for n = 20000.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class RandomTests
{
    private const int Count = 20000;

    [Property(MaxTest = 30)]
    public void SameSeedSameValuesOtherSeedOtherValues(ulong seed, bool normal)
    {
        using var scope = new TensorScope();
        Tensor Draw(ulong s, DType dtype) => normal
            ? Tensor.RandN([64], s, dtype: dtype, backend: Backend)
            : Tensor.Rand([64], s, dtype: dtype, backend: Backend);
        Assert.Equal(Draw(seed, DType.Float64).ToDoubleArray(), Draw(seed, DType.Float64).ToDoubleArray());
        Assert.NotEqual(Draw(seed, DType.Float64).ToDoubleArray(), Draw(seed + 1, DType.Float64).ToDoubleArray());
        Assert.Equal(Draw(seed, DType.Float64).ToDoubleArray().Select(v => (double)(float)v), Draw(seed, DType.Float32).ToDoubleArray());
    }

    [Property(MaxTest = 5)]
    public void UniformHasTheRightRangeMeanAndSpread(ulong seed)
    {
        using var scope = new TensorScope();
        double low = -3, high = 5, width = high - low;
        var x = Tensor.Rand([Count], seed, low, high, DType.Float64, Backend).ToDoubleArray();
        Assert.All(x, v => Assert.True(v >= low && v < high, $"{v} outside [{low}, {high})"));
        double mean = x.Average(), std = Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Average());
        double expectedStd = width / Math.Sqrt(12);
        Assert.InRange(mean, (low + high) / 2 - 6 * expectedStd / Math.Sqrt(Count), (low + high) / 2 + 6 * expectedStd / Math.Sqrt(Count));
        Assert.InRange(std, expectedStd * 0.97, expectedStd * 1.03);
    }

    [Property(MaxTest = 5)]
    public void NormalHasTheRightMeanAndSpread(ulong seed)
    {
        using var scope = new TensorScope();
        double mu = 1.5, sigma = 2;
        var x = Tensor.RandN([Count], seed, mu, sigma, DType.Float64, Backend).ToDoubleArray();
        double mean = x.Average(), std = Math.Sqrt(x.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, mu - 6 * sigma / Math.Sqrt(Count), mu + 6 * sigma / Math.Sqrt(Count));
        Assert.InRange(std, sigma * 0.97, sigma * 1.03);
        Assert.All(x, v => Assert.True(double.IsFinite(v)));
    }
}
