// Parity of the creation and movement kernels: Fill, Copy (every dtype pair, strided source) and
// the Philox random fills, which must agree with the reference element for element.

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    [Property(MaxTest = Cases)]
    public void Fill(int[] dims, ElementType type, int value)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 0, 4));
        double v = value / 8.0;                                  // fractions too: int32 truncates them
        var (expected, actual) = Run(shape, dtype, (backend, _, y) => backend.Fill(y, v));
        Check("Fill", $"value {v}", actual, expected, exact: true);
    }

    [Property(MaxTest = Cases)]
    public void Copy(int[] dims, ElementType from, ElementType to, Layout layout, int seed)
    {
        using var scope = new TensorScope();
        DType source = DTypeOf(from), target = DTypeOf(to);
        var shape = ShapeOf(dims, RankOf(dims, 0, 4));
        var x = Input(shape, source, layout, seed, -50, 50);     // negative fractions: truncation toward zero shows
        var (expected, actual) = Run(shape, target, (backend, on, y) => backend.Copy(on(x), y));
        Check($"Copy {source.Name()}->{target.Name()}", Describe(("x", x)), actual, expected, exact: true);
    }

    [Property(MaxTest = Cases)]
    public void RandomUniform(int[] dims, FloatType type, ulong seed, int low, int width)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 0, 3));
        double a = low / 4.0, b = a + Math.Abs(width / 4.0) + 0.25;
        var (expected, actual) = Run(shape, dtype, (backend, _, y) => backend.RandomUniform(y, seed, a, b));
        using var scale = Tensor.Full(shape, Math.Abs(a) + Math.Abs(b), DType.Float64, Reference);
        Check("RandomUniform", $"seed {seed}, [{a}, {b})", actual, expected, scale);
    }

    [Property(MaxTest = Cases)]
    public void RandomNormal(int[] dims, FloatType type, ulong seed, int mean, int std)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 0, 3));
        double mu = mean / 4.0, sigma = Math.Abs(std / 4.0) + 0.25;
        var (expected, actual) = Run(shape, dtype, (backend, _, y) => backend.RandomNormal(y, seed, mu, sigma));
        // Box-Muller's log, sqrt and cos err relative to sigma·(|z| + 1), not to the result (which may be ~0).
        using var scale = expected.Sub(mu).Abs().Add(sigma + Math.Abs(mu));
        Check("RandomNormal", $"seed {seed}, mean {mu}, std {sigma}", actual, expected, scale);
    }
}
