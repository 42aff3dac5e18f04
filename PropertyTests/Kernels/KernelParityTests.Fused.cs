// Parity of the fused kernels: RMSNorm forward and backward, RoPE (and its inverse), cross-entropy
// forward and backward (with ignored rows) and the AdamW step. Each error scale is written beside
// the formula it comes from, term by term in absolute value.

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    [Property(MaxTest = Cases)]
    public void RmsNormForward(int n, int c, FloatType type, Layout layoutX, Layout layoutW, bool tinyEps, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int N = Size(n), C = Size(c, allowEmpty: false);
        double eps = tinyEps ? 1e-6 : 1e-5;
        var x = Input([N, C], dtype, layoutX, seed);
        var w = Input([C], dtype, layoutW, seed + 1, 0.5, 1.5);
        var (expected, actual) = Run((backend, on, outputs) => backend.RmsNormForward(on(x), on(w), eps, outputs[0], outputs[1]),
            ([N, C], dtype), ([N], Tensor.StatisticsDType(dtype)));   // rstd float32 for bf16 x, as the model keeps it
        Check("RmsNormForward y", Describe(("x", x), ("w", w)), actual[0], expected[0]);
        Check("RmsNormForward rstd", Describe(("x", x)), actual[1], expected[1]);
    }

    [Property(MaxTest = Cases)]
    public void RmsNormBackward(int n, int c, FloatType type, Layout layoutDy, Layout layoutX, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int N = Size(n), C = Size(c, allowEmpty: false);
        var dy = Input([N, C], dtype, layoutDy, seed);
        var x = Input([N, C], dtype, layoutX, seed + 1);
        var w = Input([C], dtype, Layout.Contiguous, seed + 2, 0.5, 1.5);
        using var y = Tensor.Empty([N, C], DType.Float64, Reference);
        using var savedRstd = Tensor.Empty([N], DType.Float64, Reference);
        Reference.RmsNormForward(x.Reference, w.Reference, 1e-5, y, savedRstd);
        var rstd = FromReference(savedRstd, Tensor.StatisticsDType(dtype));   // both sides get the same saved rstd
        var (expected, actual) = Run((backend, on, outputs) => backend.RmsNormBackward(on(dy), on(x), on(w), on(rstd), outputs[0], outputs[1]),
            ([N, C], dtype), ([C], dtype));
        // dx = r·w·dy − r³·x/C·Σ_j dy·w·x  →  scale r·|w·dy| + r³·|x|/C·Σ_j |dy·w·x|
        // dweight = Σ_n dy·x·r           →  scale Σ_n |dy·x|·r
        using var r = rstd.Reference.Unsqueeze(1);
        using var absDyW = dy.Reference.Mul(w.Reference).Abs();
        using var absX = x.Reference.Abs();
        using var dot = absDyW.Mul(absX).Sum(1, keepDim: true);
        using var scaleDx = absDyW.Mul(r).Add(absX.Mul(r.Pow(3)).Mul(dot).Div(C));
        using var scaleDweight = dy.Reference.Mul(x.Reference).Abs().Mul(r).Sum(0);
        Check("RmsNormBackward dx", Describe(("dy", dy), ("x", x)), actual[0], expected[0], scaleDx);
        Check("RmsNormBackward dweight", Describe(("dy", dy), ("x", x)), actual[1], expected[1], scaleDweight);
    }

    [Property(MaxTest = Cases)]
    public void Rope(int[] dims, int offset, FloatType type, Layout layout, bool inverse, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, 4);
        shape[3] = 2 * (shape[3] / 2);                                 // HS is even
        int positionOffset = Mod(offset, 1 << 16);                     // long positions too: angles are computed in float64
        var x = Input(shape, dtype, layout, seed);
        var (expected, actual) = Run(shape, dtype, (backend, on, y) => backend.Rope(on(x), y, positionOffset, 10000, inverse));
        // y[i] = x[i]·cos − x[i+h]·sin  →  scale |x[i]| + |x[i+h]| (the pair, in either half)
        int h = shape[3] / 2;
        using var absX = x.Reference.Abs();
        using var first = absX.Narrow(3, 0, h);
        using var second = absX.Narrow(3, h, h);
        using var pair = first.Add(second);
        using var scale = Tensor.Concat([pair, pair], 3);
        Check($"Rope offset {positionOffset}{(inverse ? " inverse" : "")}", Describe(("x", x)), actual, expected, scale);
    }

    /// <summary>Targets in 0..V-1 with about one row in five set to ignoreIndex.</summary>
    private Operand Targets(int N, int V, int ignoreIndex, int seed)
    {
        using var drawn = Tensor.Rand([N], (ulong)seed, 0, V + V / 4.0 + 1, DType.Int32, Reference);
        var values = drawn.ToArray<int>().Select(t => t >= V ? ignoreIndex : t).ToArray();
        return Ints(values);
    }

    [Property(MaxTest = Cases)]
    public void CrossEntropyForward(int n, int v, FloatType type, Layout layout, bool ignoreZero, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int N = Size(n), V = Size(v, allowEmpty: false), ignoreIndex = ignoreZero ? 0 : -100;
        var logits = Input([N, V], dtype, layout, seed, -10, 10);
        var targets = Targets(N, V, ignoreIndex, seed + 1);
        var (expected, actual) = Run([N], Tensor.StatisticsDType(dtype), (backend, on, losses) => backend.CrossEntropyForward(on(logits), on(targets), ignoreIndex, losses)); // float32 losses for bf16 logits
        // loss = max + log Σ exp(x − max) − x[target]  →  scale |loss| + 2·max|x| + 1
        using var scale = logits.Reference.Abs().Max(1).Mul(2).Add(expected.Abs()).Add(1);
        Check($"CrossEntropyForward ignore {ignoreIndex}", Describe(("logits", logits), ("targets", targets)), actual, expected, scale);
    }

    [Property(MaxTest = Cases)]
    public void CrossEntropyBackward(int n, int v, FloatType type, Layout layout, bool ignoreZero, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int N = Size(n), V = Size(v, allowEmpty: false), ignoreIndex = ignoreZero ? 0 : -100;
        var logits = Input([N, V], dtype, layout, seed, -10, 10);
        var targets = Targets(N, V, ignoreIndex, seed + 1);
        var dlosses = Input([N], Tensor.StatisticsDType(dtype), Layout.Narrowed, seed + 2);
        var (expected, actual) = Run([N, V], dtype, (backend, on, dlogits) =>
            backend.CrossEntropyBackward(on(logits), on(targets), ignoreIndex, on(dlosses), dlogits));
        // (p − onehot)·dl  →  scale (p + onehot)·|dl|, i.e. |expected| + p·|dl| (1 − p + p on the target)
        using var p = logits.Reference.Softmax(-1);
        using var absDl = dlosses.Reference.Abs().Unsqueeze(1);
        using var scale = p.Mul(absDl).Add(expected.Abs());
        Check($"CrossEntropyBackward ignore {ignoreIndex}", Describe(("logits", logits), ("targets", targets), ("dlosses", dlosses)), actual, expected, scale);
    }

    [Property(MaxTest = Cases)]
    public void AdamW(int[] dims, FloatType type, int stepSeed, bool decay, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 1, 3));
        var step = new AdamWStep(LearningRate: 1e-2, Beta1: 0.9, Beta2: 0.95, Epsilon: 1e-8, WeightDecay: decay ? 0.1 : 0, Step: 1 + Mod(stepSeed, 20));
        // All four tensors contiguous, as the ops layer requires; v ≥ 0 as a second moment is.
        var param = Input(shape, dtype, Layout.Contiguous, seed);
        var grad = Input(shape, dtype, Layout.Contiguous, seed + 1);
        var m = Input(shape, dtype, Layout.Contiguous, seed + 2, -0.5, 0.5);
        var v = Input(shape, dtype, Layout.Contiguous, seed + 3, 0, 0.5);
        using var paramBefore = param.Reference.Cast(DType.Float64);
        using var mBefore = m.Reference.Cast(DType.Float64);
        Run((backend, on, _) => backend.AdamW(on(param), on(grad), on(m), on(v), step));

        // m = β1·m + (1−β1)·g  →  scale β1·|m| + (1−β1)·|g|; likewise v (all terms ≥ 0: |v| is its scale)
        using var absG = grad.Reference.Abs();
        using var scaleM = mBefore.Abs().Mul(step.Beta1).Add(absG.Mul(1 - step.Beta1));
        // p −= lr·(m̂/(sqrt(v̂)+ε) + wd·p)  →  scale |p| + lr·(scale_m/(1−β1^t)/(sqrt(v̂)+ε) + wd·|p|)
        using var sqrtVHat = v.Reference.Div(1 - Math.Pow(step.Beta2, step.Step)).Sqrt().Add(step.Epsilon);
        using var update = scaleM.Div(1 - Math.Pow(step.Beta1, step.Step)).Div(sqrtVHat);
        using var scaleP = paramBefore.Abs().Mul(1 + step.LearningRate * step.WeightDecay).Add(update.Mul(step.LearningRate));
        string context = $"{step}; " + Describe(("param", param));
        Check("AdamW param", context, param.Device, param.Reference, scaleP);
        Check("AdamW m", context, m.Device, m.Reference, scaleM);
        Check("AdamW v", context, v.Device, v.Reference);
    }
}
