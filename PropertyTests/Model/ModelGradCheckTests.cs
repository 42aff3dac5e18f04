// The whole model's gradient against finite differences, in float64 on the CPU: the objective
// LM + Σ aux of the micro model (a dense and a MoE layer, aux α = 0.1 so the balance loss matters)
// is differentiated by central differences along random directions in the space of ALL parameters,
// and element by element at a few entries of every parameter. Routing is piecewise constant, so
// the test checks that no token changes experts within ±h (otherwise the difference is meaningless).
using MoeFromScratch.Model;

namespace MoeFromScratch.PropertyTests.Model;

public sealed class ModelGradCheckTests
{
    private const int B = 2, T = 5;
    private const double H = 1e-5;

    [Fact]
    public void Gradient_of_the_objective_matches_central_differences()
    {
        using var model = MicroModel.Build(DType.Float64);
        using var tokens = MicroModel.Ids(MicroModel.Tokens(B, T, model.Config.VocabSize, seed: 7), B, T);
        using var targets = MicroModel.Ids(MicroModel.Tokens(B, T, model.Config.VocabSize, seed: 8), B, T);
        var parameters = model.NamedParameters().ToList();

        (double Loss, int[] Routing) Objective()
        {
            using var scope = new TensorScope();
            using var noGrad = Grad.NoGrad();
            var output = model.Forward(tokens, targets, training: true);
            return (output.Loss!.Item(), output.MoeLayers.SelectMany(r => r.Output.TopIndices.ToArray<int>()).ToArray());
        }

        var (_, routing) = Objective();
        using (var scope = new TensorScope())
        {
            model.ZeroGrad();
            var output = model.Forward(tokens, targets, training: true);
            Assert.True(output.AuxLoss.Item() > 0.05, "the balance loss should take part in the check");
            output.Loss!.Backward();
        }
        var grads = parameters.Select(p => p.Parameter.Grad!.ToArray<double>()).ToList();

        // Moves parameter data by ±h·direction (host round trip: the model is tiny).
        void Shift(IReadOnlyList<double[]> direction, double scale)
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i].Parameter;
                var values = p.Data.ToArray<double>();
                for (int j = 0; j < values.Length; j++) values[j] += scale * direction[i][j];
                using var moved = Tensor.FromArray(values, p.Shape, p.Backend);
                p.Backend.Copy(moved, p.Data);
            }
        }

        double Numeric(IReadOnlyList<double[]> direction)
        {
            Shift(direction, H);
            var (plus, routingPlus) = Objective();
            Shift(direction, -2 * H);
            var (minus, routingMinus) = Objective();
            Shift(direction, H);
            Assert.Equal(routing, routingPlus);
            Assert.Equal(routing, routingMinus);
            return (plus - minus) / (2 * H);
        }

        var random = new Random(42);
        for (int d = 0; d < 3; d++)
        {
            var direction = parameters.Select(p => Enumerable.Range(0, (int)p.Parameter.Numel).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToList();
            double norm = Math.Sqrt(direction.Sum(v => v.Sum(x => x * x)));
            direction = direction.Select(v => v.Select(x => x / norm).ToArray()).ToList();
            double analytic = grads.Zip(direction, (g, v) => g.Zip(v, (a, b) => a * b).Sum()).Sum();
            double numeric = Numeric(direction);
            ArrayAssert.Close([analytic], [numeric], new(1e-7, 1e-6), $"directional derivative {d}: analytic vs central difference");
        }

        for (int i = 0; i < parameters.Count; i++)
            foreach (int j in new[] { 0, (int)parameters[i].Parameter.Numel / 2, (int)parameters[i].Parameter.Numel - 1 })
            {
                var unit = parameters.Select(p => new double[p.Parameter.Numel]).ToList();
                unit[i][j] = 1;
                double numeric = Numeric(unit), analytic = grads[i][j];
                ArrayAssert.Close([analytic], [numeric], new(1e-8, 1e-5), $"{parameters[i].Name}[{j}]: analytic vs central difference");
            }
    }
}
