// MixedPrecisionTests: bf16 compute over float32 master weights (Autograd/Nn/ComputePrecision.cs,
// Model/Config/Precision.cs) — the cast's gradient, the scope, and the whole model: what stays
// float32 (the router's scores, the losses, every master gradient), and how far
// the bf16 forward and backward land from the float32 ones. On the CPU and on Vulkan (lavapipe).
// The cross-entropy reads bf16 logits and returns float32 losses (Tensor.CrossEntropy).
//
// Tolerances, from bf16's 8-bit mantissa: one rounding to nearest even has relative error at most
// u = 2^-9 ≈ 0.002. The micro model rounds each activation a few dozen times on its way to the loss
// (two layers; every matmul, norm, activation and residual add stores bf16), and independent
// roundings add like a random walk: about √40 · u ≈ 0.012 relative on the logits, whose spread at
// this init is below 1, so the loss (≈ 3.5) moves by less than 0.01: the bound (measured: 0.0011).
// A gradient's direction, as cosine similarity, loses ε²/2 for a relative error ε; the backward
// rounds more (products of rounded terms, bf16 sums of gradients), ε ≈ 0.045 at most, so cos ≥ 0.999
// (measured: 0.99982 at the worst parameter). A gradient missing a term, or a weight read unrounded
// on one path, misses these by far.
using MoeFromScratch.Autograd;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.PropertyTests.Vulkan;

namespace MoeFromScratch.PropertyTests.Model;

[Collection("Vulkan")]
public sealed class MixedPrecisionTests
{
    private const int B = 2, T = 6;
    private const double LossTolerance = 0.01, MinGradientCosine = 0.999;

    [Fact]
    public void A_cast_rounds_forward_and_sends_the_gradient_back_widened_into_the_float32_weight()
    {
        using var scope = new TensorScope();
        var p = new Parameter(Tensor.FromArray(new float[] { 1.00390625f + 1e-4f, -3.3f, 0.1f, 7e-3f }, [4]));
        var w = Tensor.FromArray(new float[] { 0.5f, -2f, 3f, 0.25f }, [4]).Cast(DType.BFloat16);
        var y = p.Cast(DType.BFloat16) * new Variable(w);                         // (4) bf16
        Assert.Equal(DType.BFloat16, y.DType);
        var (pv, wv) = (p.Data.ToArray<float>(), w.ToDoubleArray());
        var expected = pv.Select((v, i) => (double)BFloat16.FromSingle(BFloat16.FromSingle(v).ToSingle() * (float)wv[i]).ToSingle()); // round p, multiply (exact), round
        Assert.Equal(expected, y.Data.ToDoubleArray());
        y.Cast(DType.Float32).Sum().Backward();
        Assert.Equal(DType.Float32, p.Grad!.DType);
        Assert.Equal(w.ToDoubleArray(), p.Grad.ToDoubleArray());                    // d(Σ cast(p)·w)/dp = w, exactly
    }

    [Fact]
    public void Modules_read_weights_as_stored_outside_a_scope_and_in_the_compute_dtype_inside_one()
    {
        using var scope = new TensorScope();
        var linear = new Linear(5, 3, seed: 2);
        var x = new Variable(Tensor.RandN([4, 5], 3));
        Assert.Equal(DType.Float32, linear.Forward(x).DType);
        using (ComputePrecision.Use(DType.BFloat16))
        {
            var y = linear.Forward(ComputePrecision.Cast(x));                        // (4, 5) -> (4, 3) bf16
            Assert.Equal(DType.BFloat16, y.DType);
            using (ComputePrecision.Use(DType.Float32)) Assert.Equal(DType.Float32, linear.Forward(x).DType);
            Assert.Equal(DType.BFloat16, ComputePrecision.Current);                  // the inner scope restored the outer
            var rounded = Functional.Linear(new Variable(x.Data.Cast(DType.BFloat16)), new Variable(linear.Weight.Data.Cast(DType.BFloat16)),
                new Variable(linear.Bias!.Data.Cast(DType.BFloat16)));
            Assert.Equal(rounded.Data.ToDoubleArray(), y.Data.ToDoubleArray());      // the same kernel on the rounded weights
        }
        Assert.Null(ComputePrecision.Current);
    }

    [Fact]
    public void A_bf16_step_on_the_cpu_keeps_the_losses_router_and_master_gradients_float32_and_tracks_float32() =>
        CompareWithFloat32(Device.Cpu);

    [VulkanFact]
    public void A_bf16_step_on_vulkan_keeps_the_losses_router_and_master_gradients_float32_and_tracks_float32() =>
        CompareWithFloat32(VulkanTestDevice.Backend);

    [Fact]
    public void An_inference_model_holds_bf16_weights_in_half_the_bytes_and_computes_the_loss_in_float32()
    {
        using var full = MicroModel.Build(DType.Float32);
        using var half = new DeepSeekMoe(MicroModel.Config, 99, Device.Cpu, Precision.Bf16.ForInference.Weights, compute: Precision.Bf16.ForInference.Compute);
        using (var copy = new TensorScope())
            ModelWeights.LoadInto(half, ModelWeights.Official(full, p => p.Data).ToDictionary(w => w.Name, w => w.Tensor));
        Assert.All(half.Parameters(), p => Assert.Equal(DType.BFloat16, p.DType));
        static long Bytes(DeepSeekMoe m) => m.Parameters().Sum(p => p.Data.Numel * p.DType.SizeInBytes());
        Assert.Equal(Bytes(full), 2 * Bytes(half));

        using var scope = new TensorScope();
        using var noGrad = Grad.NoGrad();
        var (ids, next) = Batch(full, Device.Cpu);
        var want = full.Forward(ids, next, training: false);
        var got = half.Forward(ids, next, training: false);
        Assert.Equal(DType.Float32, got.Loss!.DType);
        Assert.Equal(DType.BFloat16, got.Logits.DType);
        Assert.True(Math.Abs(got.Loss.Data.Item() - want.Loss!.Data.Item()) < LossTolerance,
            $"bf16 inference loss {got.Loss.Data.Item():F5} vs float32 {want.Loss.Data.Item():F5}");
    }

    private static void CompareWithFloat32(IBackend backend)
    {
        using var full = MicroModel.Build(DType.Float32, backend);
        using var mixed = new DeepSeekMoe(MicroModel.Config, 5, backend, Precision.Bf16.Weights, compute: Precision.Bf16.Compute);
        Assert.Equal(Precision.Bf16.Compute, mixed.ComputeDType);
        using var scope = new TensorScope();
        var (ids, next) = Batch(full, backend);
        var want = full.Forward(ids, next);
        var got = mixed.Forward(ids, next);
        want.Loss!.Backward();
        got.Loss!.Backward();

        foreach (var part in new[] { got.Loss, got.LmLoss!, got.AuxLoss }) Assert.Equal(DType.Float32, part.DType);
        Assert.Equal(DType.BFloat16, got.Logits.DType);                                  // the cross-entropy reads them as they are
        Assert.All(got.MoeLayers, r => Assert.Equal(DType.Float32, r.Output.Scores!.DType));   // the router decides in float32
        Assert.True(Math.Abs(got.Loss.Data.Item() - want.Loss.Data.Item()) < LossTolerance,
            $"bf16 loss {got.Loss.Data.Item():F5} vs float32 {want.Loss.Data.Item():F5} on {backend.Name}");
        Assert.All(mixed.Parameters(), p => Assert.Equal(DType.Float32, p.Grad!.DType));
        var (worst, cosine) = full.NamedParameters().Zip(mixed.NamedParameters())
            .Select(pair => (pair.First.Name, Cosine(pair.First.Parameter.Grad!.ToDoubleArray(), pair.Second.Parameter.Grad!.ToDoubleArray())))
            .MinBy(c => c.Item2);
        Assert.True(cosine >= MinGradientCosine, $"{worst}: gradient cosine {cosine:F5} between bf16 and float32 on {backend.Name} (the lowest)");
    }

    private static (Tensor Ids, Tensor Next) Batch(DeepSeekMoe model, IBackend backend) =>
        (MicroModel.Ids(MicroModel.Tokens(B, T, model.Config.VocabSize, seed: 4), B, T, backend),
         MicroModel.Ids(MicroModel.Tokens(B, T, model.Config.VocabSize, seed: 5), B, T, backend));

    private static double Cosine(double[] a, double[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) (dot, na, nb) = (dot + a[i] * b[i], na + a[i] * a[i], nb + b[i] * b[i]);
        return na == 0 && nb == 0 ? 1 : dot / Math.Sqrt(na * nb);
    }
}
