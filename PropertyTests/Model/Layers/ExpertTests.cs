// Expert (SwiGLU FFN): the official parameter names and shapes, the N(0, std) init, and the
// forward against down(silu(gate x) * up x) written as loops in double. Reference backend.
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Model.Layers;

public sealed class ExpertTests
{
    private static readonly IBackend Reference = new ReferenceBackend();

    [Fact]
    public void Names_and_shapes_are_the_official_ones()
    {
        var expert = new Expert(hidden: 6, inner: 4, initStd: 0.006, seed: 1, Reference);
        Assert.Equal(
            ["gate_proj.weight", "up_proj.weight", "down_proj.weight"],
            expert.NamedParameters().Select(p => p.Name));
        Assert.Equal([4, 6], expert.GateProj.Weight.Shape);
        Assert.Equal([4, 6], expert.UpProj.Weight.Shape);
        Assert.Equal([6, 4], expert.DownProj.Weight.Shape);
    }

    [Fact]
    public void Weights_start_normal_with_the_configured_std()
    {
        var expert = new Expert(hidden: 64, inner: 128, initStd: 0.006, seed: 7, Reference);
        var w = expert.GateProj.Weight.Data.ToArray<float>();
        double mean = w.Average(v => (double)v), std = Math.Sqrt(w.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.0005, 0.0005);
        Assert.InRange(std, 0.0057, 0.0063); // 8192 draws: the std is within ~5% with overwhelming probability
        Assert.NotEqual(w, expert.UpProj.Weight.Data.ToArray<float>());
    }

    [Fact]
    public void Forward_matches_the_loops()
    {
        const int N = 3, C = 5, I = 4;
        var expert = new Expert(C, I, initStd: 0.5, seed: 3, Reference);
        var x = Enumerable.Range(0, N * C).Select(i => Math.Sin(i) * 2).ToArray();
        using var input = new Variable(Tensor.FromArray(x.Select(v => (float)v).ToArray(), [N, C], Reference));
        var y = expert.Forward(input).Data.ToArray<float>();

        double[] W(Linear l) => l.Weight.Data.ToArray<float>().Select(v => (double)v).ToArray();
        double[] gate = W(expert.GateProj), up = W(expert.UpProj), down = W(expert.DownProj);
        var expected = new double[N * C];
        for (int n = 0; n < N; n++)
        {
            var h = new double[I];
            for (int j = 0; j < I; j++)
            {
                double g = 0, u = 0;
                for (int c = 0; c < C; c++) { g += gate[j * C + c] * x[n * C + c]; u += up[j * C + c] * x[n * C + c]; }
                h[j] = g / (1 + Math.Exp(-g)) * u; // silu(g) · u
            }
            for (int c = 0; c < C; c++)
                for (int j = 0; j < I; j++) expected[n * C + c] += down[c * I + j] * h[j];
        }
        // Strictly below 1e-5, as ≤ on the double just below it.
        ArrayAssert.Close(Array.ConvertAll(y, v => (double)v), expected, Tolerance.Absolute(Math.BitDecrement(1e-5)), "expert output vs host loops", shape: [N, C]);
    }
}
