// GradCheck: compares the gradients Backward computes with central finite differences,
//   dL/dx[j] ≈ (L(x + h·e_j) - L(x - h·e_j)) / 2h,
// in float64, for any function of tensors. A non-scalar output y is checked through L = Σ y·r
// with a fixed random r (so Backward gets seed r): one number that depends on every output.
// An element passes when |analytic - numeric| <= atol + rtol·|numeric| (numpy.allclose).
//
// The analytic side can run on another backend in float32 (e.g. Vulkan) while the numeric side
// stays on the CPU in float64: the oracle is the same, only the tolerance is looser.
//
// Inputs: float64 tensors are differentiated (any strides, e.g. transposed or sliced views, but no
// stride-0 axes: one stored element would stand for several); int32 tensors (indices, targets,
// offsets) are passed as constants. Numeric evaluation perturbs the inputs' storage in place and
// restores it, so it costs 2 forward passes per input element — keep the inputs small.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

/// <param name="RelativeTolerance">rtol in |a - n| <= atol + rtol·|n|.</param>
/// <param name="AbsoluteTolerance">atol: what "zero" means for a gradient element.</param>
/// <param name="Step">h of the central difference; 1e-6 balances truncation (h²) and rounding (ε/h) in float64.</param>
/// <param name="Seed">Seed of the random output projection r.</param>
public sealed record GradCheckOptions(double RelativeTolerance = 1e-5, double AbsoluteTolerance = 1e-7, double Step = 1e-6, ulong Seed = 1)
{
    /// <summary>Analytic gradients in float64: both sides good to ~1e-9.</summary>
    public static GradCheckOptions Float64 { get; } = new();

    /// <summary>Analytic gradients in float32 (e.g. on the GPU): ~7 digits, and kernels sum in other orders.</summary>
    public static GradCheckOptions Float32 { get; } = new(RelativeTolerance: 1e-2, AbsoluteTolerance: 1e-3);
}

/// <summary>One gradient element: which input, which element (row-major), both values and |difference|.</summary>
public sealed record GradCheckElement(int Input, int[] Index, double Analytic, double Numeric, double Error)
{
    public override string ToString() =>
        $"input {Input} element {Shape.Format(Index)}: analytic {Analytic:G6}, numeric {Numeric:G6}, |error| {Error:E2}";
}

/// <param name="Worst">The element with the largest error relative to its tolerance (null when no input is differentiable).</param>
/// <param name="MaxRelativeError">Max of |a - n| / max(|a|, |n|) over elements where either exceeds atol.</param>
public sealed record GradCheckResult(bool Passed, string Inputs, double MaxAbsoluteError, double MaxRelativeError, GradCheckElement? Worst, GradCheckOptions Options)
{
    /// <summary>What was checked (an op name from the catalogue), for messages; null for an anonymous function.</summary>
    public string? Op { get; init; }

    private string Subject => Op is null ? Inputs : $"{Op}: {Inputs}";

    public string Message => Passed
        ? $"gradients match for {Subject} (max abs error {MaxAbsoluteError:E2}, max rel error {MaxRelativeError:E2})"
        : $"gradient mismatch for {Subject}: {Worst} exceeds atol {Options.AbsoluteTolerance:E0} + rtol {Options.RelativeTolerance:E0}·|numeric| "
          + $"(max abs error {MaxAbsoluteError:E2}, max rel error {MaxRelativeError:E2})";

    public override string ToString() => Message;
}

public static class GradCheck
{
    /// <summary>Checks f's gradients with respect to every float64 input, analytic side on the CPU in float64.</summary>
    public static GradCheckResult Check(Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs, GradCheckOptions? options = null)
    {
        options ??= GradCheckOptions.Float64;
        return Compare(f, inputs, options, Analytic(f, inputs, options, null, DType.Float64));
    }

    /// <summary>
    /// Analytic gradients on backend in dtype (e.g. Vulkan, float32) against numeric ones from the
    /// CPU in float64. f must build its tensors from its arguments (they arrive on backend).
    /// </summary>
    public static GradCheckResult CheckOn(IBackend backend, DType dtype, Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs, GradCheckOptions? options = null)
    {
        options ??= GradCheckOptions.Float32;
        return Compare(f, inputs, options, Analytic(f, inputs, options, backend, dtype));
    }

    // Backward from y with seed r; returns (r, each differentiable input's gradient) as float64 arrays.
    private static (double[] R, double[]?[] Grads) Analytic(Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs, GradCheckOptions options, IBackend? backend, DType dtype)
    {
        using var scope = new TensorScope();
        foreach (var (t, i) in inputs.Select((t, i) => (t, i)))
            if (t.DType != DType.Float64 && t.DType != DType.Int32)
                throw new ArgumentException($"GradCheck: input {i} is {t.DType.Name()}; pass float64 tensors to differentiate and int32 ones as constants");
        var leaves = inputs.Select(t => t.DType == DType.Int32
            ? new Variable(backend is null ? t : t.To(backend))
            : new Variable(backend is null ? t : t.To(backend, dtype), requiresGrad: true)).ToArray();
        var y = f(leaves);
        using var r = Tensor.RandN(y.Shape, options.Seed, dtype: DType.Float64, backend: inputs.Count > 0 ? inputs[0].Backend : null);
        if (y.RequiresGrad) y.Backward(backend is null ? r : r.To(backend, dtype));
        return (r.ToArray<double>(), leaves.Select(v => v.Grad?.ToDoubleArray()).ToArray());
    }

    private static GradCheckResult Compare(Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs, GradCheckOptions options, (double[] R, double[]?[] Grads) analytic)
    {
        double maxAbs = 0, maxRel = 0, worstRatio = -1;
        GradCheckElement? worst = null;
        bool passed = true;
        for (int i = 0; i < inputs.Count; i++)
        {
            if (analytic.Grads[i] is not { } grad) continue;
            var numeric = Numeric(f, inputs, i, analytic.R, options.Step);
            for (int j = 0; j < numeric.Length; j++)
            {
                double a = grad[j], n = numeric[j], error = Math.Abs(a - n);
                double tolerance = options.AbsoluteTolerance + options.RelativeTolerance * Math.Abs(n);
                double ratio = double.IsNaN(error) ? double.PositiveInfinity : error / tolerance;
                passed &= error <= tolerance;
                maxAbs = Math.Max(maxAbs, error);
                double scale = Math.Max(Math.Abs(a), Math.Abs(n));
                if (scale > options.AbsoluteTolerance) maxRel = Math.Max(maxRel, error / scale);
                if (ratio > worstRatio)
                {
                    worstRatio = ratio;
                    worst = new GradCheckElement(i, UnravelIndex(j, inputs[i].Shape), a, n, error);
                }
            }
        }
        return new GradCheckResult(passed, Describe(inputs), maxAbs, maxRel, worst, options);
    }

    // Central differences of L = Σ f(x)·r with respect to every element of input i.
    private static double[] Numeric(Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs, int i, double[] r, double h)
    {
        var x = inputs[i];
        if (x.Strides.Where((s, axis) => s == 0 && x.Shape[axis] > 1).Any())
            throw new ArgumentException($"GradCheck: input {i} {Shape.Format(x.Shape)} has a stride-0 (expanded) axis; pass the smaller tensor and expand inside f");
        var result = new double[x.Numel];
        Span<double> value = stackalloc double[1];
        for (int j = 0; j < result.Length; j++)
        {
            long at = StorageIndex(x, j);
            x.Backend.Download<double>(x.Storage, at, value);
            double original = value[0];
            double plus = Loss(f, inputs, r, x, at, original + h);
            double minus = Loss(f, inputs, r, x, at, original - h);
            x.Backend.Upload<double>(x.Storage, at, [original]);
            result[j] = (plus - minus) / (2 * h);
        }
        return result;
    }

    private static double Loss(Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs, double[] r, Tensor x, long at, double value)
    {
        x.Backend.Upload<double>(x.Storage, at, [value]);
        using var scope = new TensorScope();
        using var noGrad = Grad.NoGrad();
        var y = f(inputs.Select(t => new Variable(t)).ToArray()).Data.ToDoubleArray();
        double loss = 0;
        for (int k = 0; k < y.Length; k++) loss += y[k] * r[k];
        return loss;
    }

    // Where element j (row-major over x's shape) lives in x's storage.
    private static long StorageIndex(Tensor x, long j)
    {
        long at = x.Offset;
        for (int axis = x.Rank - 1; axis >= 0; axis--)
        {
            at += j % x.Shape[axis] * x.Strides[axis];
            j /= x.Shape[axis];
        }
        return at;
    }

    private static int[] UnravelIndex(long j, int[] shape)
    {
        var index = new int[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = (int)(j % shape[axis]);
            j /= shape[axis];
        }
        return index;
    }

    /// <summary>"x0 (2, 3) strided, x1 (3), x2 int32 (4)": the inputs as a failure message shows them.</summary>
    public static string Describe(IReadOnlyList<Tensor> inputs) => string.Join(", ", inputs.Select((t, i) =>
        $"x{i}{(t.DType == DType.Int32 ? " int32" : "")} {Shape.Format(t.Shape)}{(t.IsContiguous ? "" : " strided")}"));
}
