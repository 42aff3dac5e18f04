// The catalogue with the analytic side on a second backend in float32, the numeric side staying
// on the float64 one — the path the Vulkan backend plugs into (GradCheckCatalog.Run(name,
// analyticBackend: vulkan)). Here the second backend is another reference backend instance, so the
// test checks the plumbing (moving inputs, seeds and gradients across devices, float32 tolerances)
// and, on the way, that the fast CPU kernels and the reference loops agree through backward.
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Autograd;

public class OtherBackendTests
{
    private static readonly IBackend Float32Side = new ReferenceBackend();

    [Theory]
    [MemberData(nameof(CatalogProperties.OpNames), MemberType = typeof(CatalogProperties))]
    public void Float32_gradients_on_another_backend_match_float64_finite_differences(string name)
    {
        var report = GradCheckCatalog.Run(name, cases: 2, analyticBackend: Float32Side, float64Backend: Float64Backend.Instance);
        Assert.True(report.Passed, report.Failure);
    }

    [Fact]
    public void Float32_tolerance_still_catches_a_wrong_gradient()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(new[] { 0.3, -0.7, 1.1 }, [3], Float64Backend.Instance);
        // sin with the cosine's sign flipped: a wrong gradient, built from correct ops.
        var result = GradCheck.CheckOn(Float32Side, DType.Float32, v => WrongSin(v[0]), [x]);
        Assert.False(result.Passed);
        Assert.Contains("gradient mismatch", result.Message);
    }

    // Forward sin(x), backward -cos(x): a custom op recorded through the public Tape API.
    private static Variable WrongSin(Variable x) =>
        Tape.Record("WrongSin", x.Data.Sin(), [x], (dy, n) => dy * n.X[0].Cos() * -1);
}
