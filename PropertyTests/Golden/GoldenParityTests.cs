// GoldenParityTests: llm.c's test_gpt2.c for DeepSeekMoE. The PyTorch reference
// (Model/python/deepseek_moe_reference.py, dumped by make_golden.py into PropertyTests/Golden/tiny)
// and our model start from the same float32-representable weights; one forward + backward on the
// golden batch must reproduce the logits, the LM loss, the balance loss (sum and per layer), the
// router scores, the top-K' picks, the expert loads and EVERY parameter gradient (stacked experts
// compared per expert after the transpose, ModelWeights.Official), and 10 steps of the project's
// AdamW + clipping must reproduce the loss trajectory. In float64 on the CPU the tolerances are a
// few ulps of accumulated rounding (1e-9 relative over a tiny absolute floor); in float32 they are
// float32's. Every comparison prints its line (OK / NOT OK, max abs and rel error, first mismatches).
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Train.Optim;

namespace MoeFromScratch.PropertyTests.Golden;

public sealed class GoldenParityTests(ITestOutputHelper output)
{
    private const int Steps = GoldenFile.TrajectorySteps;
    private const double Lr = 1e-2, Beta1 = 0.9, Beta2 = 0.95, Eps = 1e-8, WeightDecay = 0.1, MaxNorm = 1.0;

    /// <summary>Absolute floor and relative tolerance per dtype, for values and for gradients.</summary>
    private sealed record Tolerance(double Atol, double Rtol, double GradAtol, double GradRtol, double TrajectoryRtol);

    private static readonly Tolerance Float64 = new(1e-13, 1e-9, 1e-13, 1e-9, 1e-9);
    private static readonly Tolerance Float32 = new(1e-5, 1e-4, 2e-6, 2e-3, 2e-4);

    public static TheoryData<string> DTypes() => ["float64", "float32"];

    private static (DType DType, Tolerance Tol) Parse(string dtype) =>
        dtype == "float64" ? (DType.Float64, Float64) : (DType.Float32, Float32);

    private DeepSeekMoe LoadModel(DType dtype)
    {
        var golden = GoldenFile.Tiny;
        var model = new DeepSeekMoe(golden.Config, seed: 0, Device.Cpu, dtype);
        var weights = golden.LoadWeights();
        try
        {
            ModelWeights.LoadInto(model, weights);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
        return model;
    }

    private static Tensor Batch(string name)
    {
        var golden = GoldenFile.Tiny;
        return Tensor.FromArray(golden.Int(name), golden.Shape(name), Device.Cpu);   // (B, T) int32
    }

    private static double[] Values(Tensor t) => t.ToDoubleArray();

    // Collects every comparison; fails at the end with all NOT OK lines, so one run shows everything.
    private sealed class Checks(ITestOutputHelper output, DType dtype)
    {
        private readonly List<Comparison> _results = [];

        public void Check(string name, double[] got, double[] want, int[] shape, double atol, double rtol)
        {
            var r = ArrayAssert.Check(got, want, new(atol, rtol), name, shape: shape);
            _results.Add(r);
            output.WriteLine(r.ToString());
        }

        public void Exact(string name, int[] got, int[] want) =>
            Check(name, Array.ConvertAll(got, v => (double)v), Array.ConvertAll(want, v => (double)v), [want.Length], 0, 0);

        public void AssertAll()
        {
            var failed = _results.Where(r => !r.Ok).ToList();
            Assert.True(failed.Count == 0, $"{dtype.Name()}: {failed.Count} of {_results.Count} tensors differ:\n{string.Join("\n", failed)}");
        }
    }

    // The golden value in the dtype under test: float64 (hi + lo) or its float32 rounding.
    private static double[] Want(string name, DType dtype) =>
        dtype == DType.Float64 ? GoldenFile.Tiny.Double(name) : Array.ConvertAll(GoldenFile.Tiny.Float(name), v => (double)v);

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Forward_and_backward_match_PyTorch(string dtypeName)
    {
        var (dtype, tol) = Parse(dtypeName);
        var golden = GoldenFile.Tiny;
        using var model = LoadModel(dtype);
        using var scope = new TensorScope();
        var checks = new Checks(output, dtype);

        var result = model.Forward(Batch("tokens"), Batch("targets"), training: true);
        result.Loss!.Backward();

        checks.Check("logits", Values(result.Logits.Data), Want("logits", dtype), golden.Shape("logits"), tol.Atol, tol.Rtol);
        checks.Check("loss", [result.LmLoss!.Item()], [golden.Scalar("loss")], [1], tol.Atol, tol.Rtol);
        checks.Check("aux_loss", [result.AuxLoss.Item()], [golden.Scalar("aux_loss")], [1], tol.Atol, tol.Rtol);
        checks.Check("aux_per_layer", result.MoeLayers.Select(r => r.Output.AuxLoss.Item()).ToArray(),
            golden.Double("aux_per_layer"), golden.Shape("aux_per_layer"), tol.Atol, tol.Rtol);
        foreach (var (layer, moe) in result.MoeLayers)
        {
            checks.Check($"scores.{layer}", Values(moe.Scores!.Data), Want($"scores.{layer}", dtype), golden.Shape($"scores.{layer}"), tol.Atol, tol.Rtol);
            checks.Exact($"topk_idx.{layer}", moe.TopIndices.ToArray<int>(), golden.Int($"topk_idx.{layer}"));
            checks.Exact($"expert_load.{layer}", moe.ExpertLoad.ToArray<int>(), golden.Int($"expert_load.{layer}"));
        }
        var gradients = ModelWeights.Official(model, p => p.Grad!).ToList();
        Assert.Equal(golden.Names.Count(n => n.StartsWith("grad.", StringComparison.Ordinal)), gradients.Count);
        foreach (var (name, grad) in gradients)
            checks.Check("grad." + name, Values(grad), Want("grad." + name, dtype), golden.Shape("grad." + name), tol.GradAtol, tol.GradRtol);
        checks.AssertAll();
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Ten_AdamW_steps_follow_the_PyTorch_trajectory(string dtypeName)
    {
        var (dtype, tol) = Parse(dtypeName);
        var golden = GoldenFile.Tiny;
        using var model = LoadModel(dtype);
        using var optimizer = new AdamW(model.NamedParameters(), Lr, (Beta1, Beta2), Eps, WeightDecay);
        using var tokens = Batch("tokens");
        using var targets = Batch("targets");
        var (objective, lm, aux, norm) = (new double[Steps], new double[Steps], new double[Steps], new double[Steps]);
        for (int step = 0; step < Steps; step++)
        {
            using var scope = new TensorScope();
            var result = model.Forward(tokens, targets, training: true);
            (objective[step], lm[step], aux[step]) = (result.Loss!.Item(), result.LmLoss!.Item(), result.AuxLoss.Item());
            optimizer.ZeroGrad();
            result.Loss.Backward();
            norm[step] = GradClip.ClipGradNorm(optimizer.Parameters(), MaxNorm);
            optimizer.Step();
            output.WriteLine($"step {step}: objective {objective[step]:F12} (want {golden.Double("trajectory")[step]:F12}), grad norm {norm[step]:F9}");
        }
        var checks = new Checks(output, dtype);
        checks.Check("trajectory", objective, golden.Double("trajectory"), [Steps], tol.Atol, tol.TrajectoryRtol);
        checks.Check("trajectory_lm", lm, golden.Double("trajectory_lm"), [Steps], tol.Atol, tol.TrajectoryRtol);
        checks.Check("trajectory_aux", aux, golden.Double("trajectory_aux"), [Steps], tol.Atol, tol.TrajectoryRtol);
        checks.Check("trajectory_grad_norm", norm, golden.Double("trajectory_grad_norm"), [Steps], tol.Atol, tol.TrajectoryRtol);
        checks.AssertAll();
    }
}
