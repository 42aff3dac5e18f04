// AdamW and gradient clipping against hand computation: one update of a matrix and a vector with
// known gradients, the no-decay rule for 1-D parameters, and the global norm and its clipping.
using MoeFromScratch.Train.Optim;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class AdamWTests
{
    private static readonly IBackend Backend = TrainingFixture.Backend;

    private static Parameter Param(double[] values, int[] shape, double[] grad)
    {
        var p = new Parameter(Tensor.FromArray(Array.ConvertAll(values, v => (float)v), shape, Backend));
        using var g = Tensor.FromArray(Array.ConvertAll(grad, v => (float)v), shape, Backend);
        Backend.Copy(g, p.Grad!);
        return p;
    }

    // The update written out for step t from zero moments (Loshchilov & Hutter 2019, Algorithm 2).
    private static double Expected(double p, double g, double lr, double wd, int t, double b1 = 0.9, double b2 = 0.95, double eps = 1e-8)
    {
        double m = (1 - b1) * g, v = (1 - b2) * g * g;
        double mHat = m / (1 - Math.Pow(b1, t)), vHat = v / (1 - Math.Pow(b2, t));
        return p - lr * (mHat / (Math.Sqrt(vHat) + eps) + wd * p);
    }

    [Fact]
    public void One_step_matches_the_formula_with_decay_on_matrices_only()
    {
        double[] w = [0.5, -1.0, 2.0, 0.25], gw = [0.1, -0.2, 0.0, 3.0];
        double[] b = [1.0, -2.0], gb = [0.5, 0.5];
        var weight = Param(w, [2, 2], gw);
        var bias = Param(b, [2], gb);
        using var optimizer = new AdamW([("weight", weight), ("bias", bias)], lr: 0.01);

        optimizer.Step();

        Assert.Equal(1, optimizer.StepCount);
        var gotW = weight.Data.ToDoubleArray();
        var gotB = bias.Data.ToDoubleArray();
        for (int i = 0; i < w.Length; i++) Assert.Equal(Expected(w[i], gw[i], 0.01, 0.1, 1), gotW[i], 6);
        for (int i = 0; i < b.Length; i++) Assert.Equal(Expected(b[i], gb[i], 0.01, 0.0, 1), gotB[i], 6);
    }

    [Fact]
    public void Zero_gradients_leave_vectors_alone_and_shrink_matrices_by_lr_times_decay()
    {
        var matrix = Param([2.0, -4.0], [1, 2], [0, 0]);
        var norm = Param([2.0, -4.0], [2], [0, 0]);
        using var optimizer = new AdamW([("w", matrix), ("norm.weight", norm)], lr: 0.5, weightDecay: 0.1);

        Assert.True(optimizer.Slots[0].Decays);
        Assert.False(optimizer.Slots[1].Decays);
        optimizer.Step();

        Assert.Equal([2.0 * (1 - 0.05), -4.0 * (1 - 0.05)], matrix.Data.ToDoubleArray().Select(v => Math.Round(v, 6)));
        Assert.Equal([2.0, -4.0], norm.Data.ToDoubleArray());
    }

    [Fact]
    public void Bias_correction_uses_the_running_step_count()
    {
        var p = Param([1.0], [1, 1], [0.3]);
        using var optimizer = new AdamW([("p", p)], lr: 0.1, weightDecay: 0);
        optimizer.Step();
        double after1 = p.Data.Item();
        optimizer.Step();   // same gradient again: m = 0.9·0.03 + 0.1·0.3, v likewise, t = 2

        double m = 0.9 * 0.03 + 0.03, v = 0.95 * (0.05 * 0.09) + 0.05 * 0.09;
        double expected = after1 - 0.1 * (m / (1 - 0.81)) / (Math.Sqrt(v / (1 - 0.9025)) + 1e-8);
        Assert.Equal(expected, p.Data.Item(), 6);
        Assert.Equal(2, optimizer.StepCount);
    }

    [Fact]
    public void Clip_grad_norm_returns_the_global_norm_and_scales_to_the_limit()
    {
        var a = Param([0, 0], [2], [3, 0]);
        var b = Param([0, 0, 0, 0], [2, 2], [0, 4, 0, 0]);

        double norm = GradClip.ClipGradNorm([a, b], maxNorm: 1.0);

        Assert.Equal(5.0, norm, 5);
        var clipped = a.Grad!.ToDoubleArray().Concat(b.Grad!.ToDoubleArray()).ToArray();
        Assert.Equal(1.0, Math.Sqrt(clipped.Sum(g => g * g)), 5);
        Assert.Equal(3.0 / 5, clipped[0], 5);
    }

    [Fact]
    public void Clip_grad_norm_leaves_small_gradients_unchanged_and_reports_nan()
    {
        var a = Param([0, 0], [2], [0.3, 0.4]);
        Assert.Equal(0.5, GradClip.ClipGradNorm([a], maxNorm: 1.0), 6);
        Assert.Equal([0.3, 0.4], a.Grad!.ToDoubleArray().Select(v => Math.Round(v, 6)));

        var bad = Param([0], [1], [double.NaN]);
        Assert.True(double.IsNaN(GradClip.ClipGradNorm([a, bad])));
    }

    [Fact]
    public void Bad_hyper_parameters_are_refused_in_one_line()
    {
        var p = Param([1.0], [1], [0]);
        var e = Assert.Throws<ArgumentException>(() => new AdamW([("p", p)], betas: (0.9, 1.0)));
        Assert.Contains("betas (0.9, 1)", e.Message);
        Assert.Throws<ArgumentException>(() => new AdamW([("p", p), ("p", p)]));
    }
}
