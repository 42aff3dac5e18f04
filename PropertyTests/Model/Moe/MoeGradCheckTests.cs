// MoeLayer's gradients against central finite differences in float64, for every parameter and the
// input: L = Σ y·r + 3·aux (training, so the balance loss's path through the scores is checked too).
// GradCheck.cs differentiates functions of tensors; a Module owns its parameters, so this perturbs
// each parameter's storage in place (the same way GradCheck does) and re-runs the layer.
// Routing is piecewise constant: a case whose top-K' is nearly tied could flip under the ±h step,
// so the cases are fixed seeds (checked to have no near ties), not random ones.
using MoeFromScratch.Model.Moe;

namespace MoeFromScratch.PropertyTests.Model.Moe;

public sealed class MoeGradCheckTests
{
    [Theory]
    [InlineData(MoeKind.DeepSeek, false, 4, 2, 1, 11)]
    [InlineData(MoeKind.DeepSeek, true, 5, 3, 2, 12)]
    [InlineData(MoeKind.DeepSeek, false, 3, 1, 0, 13)]
    [InlineData(MoeKind.GShard, false, 4, 2, 0, 14)]
    [InlineData(MoeKind.Switch, false, 3, 1, 1, 15)]
    [InlineData(MoeKind.Hash, false, 3, 1, 0, 16)]
    public void Gradients_match_finite_differences(MoeKind kind, bool normTopk, int E, int K, int S, int seed)
    {
        var c = new MoeCase(B: 2, T: 3, C: 4, I: 3, E, K, S, seed);
        var config = c.Config(kind, normTopk, alpha: kind == MoeKind.Hash ? 0 : 0.1, alpha2: kind == MoeKind.Hash ? 0 : 0.05, devices: E % 2 == 0 ? 2 : 1);
        var layer = SlowMoe.Layer(config, seed, Device.Cpu, DType.Float64);
        using var x = SlowMoe.Input(c, Device.Cpu, DType.Float64);
        using var ids = SlowMoe.TokenIds(c, Device.Cpu);
        using var r = Tensor.RandN([c.B, c.T, c.C], 5, 0, 1, DType.Float64, Device.Cpu);
        var rHost = r.ToArray<double>();

        double Loss(Variable input)
        {
            var output = layer.Forward(input, ids, training: true);
            var y = output.Y.Data.ToArray<double>();
            return y.Select((v, i) => v * rHost[i]).Sum() + 3 * output.AuxLoss.Item();
        }

        // Analytic: one backward of L.
        layer.ZeroGrad();
        var leaf = new Variable(x, requiresGrad: true);
        using (var scope = new TensorScope())
        {
            var output = layer.Forward(leaf, ids, training: true);
            ((output.Y * new Variable(r)).Sum() + output.AuxLoss * 3).Backward();
        }

        var checkedTensors = layer.NamedParameters().Select(p => (p.Name, Value: p.Parameter.Data, Grad: p.Parameter.Grad!))
            .Append(("x", x, leaf.Grad!)).ToList();
        var original = new double[1];
        foreach (var (name, value, grad) in checkedTensors)
        {
            var analytic = grad.ToArray<double>();
            var numeric = new double[analytic.Length];
            for (int j = 0; j < numeric.Length; j++)
            {
                long at = value.Offset + j;                                   // parameters and x are contiguous
                Device.Cpu.Download<double>(value.Storage, at, original);
                double o = original[0], h = 1e-6;
                double Perturbed(double v)
                {
                    Device.Cpu.Upload<double>(value.Storage, at, [v]);
                    using var scope = new TensorScope();
                    using var noGrad = Grad.NoGrad();
                    return Loss(new Variable(x));
                }
                numeric[j] = (Perturbed(o + h) - Perturbed(o - h)) / (2 * h);
                Device.Cpu.Upload<double>(value.Storage, at, [o]);
            }
            ArrayAssert.Close(analytic, numeric, new(1e-6, 1e-6), $"d{name} vs finite differences ({kind} normTopk={normTopk} {c})");
        }
    }
}
