// Fused ops the model needs for speed: RMSNorm, RoPE, cross-entropy and the AdamW update.
// Each is one backend kernel and is tested against the composition of primitives it replaces.
// The statistics a kernel keeps for its backward or returns as a loss (RMSNorm's rstd, attention's
// log-sum-exp, cross-entropy's losses) are float32 for bf16 inputs (StatisticsDType): the kernels
// compute them in float32 either way, and a bf16 loss or rstd would round them to 8 bits.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    /// <summary>RMSNorm over the last axis. Returns y (same shape) and rstd (rows) for backward.</summary>
    public (Tensor Y, Tensor Rstd) RmsNorm(Tensor weight, double eps)
    {
        CheckCompatible("RmsNorm", this, weight);
        int c = Shape[^1];
        if (weight.Rank != 1 || weight.Shape[0] != c)
            throw new ShapeException($"RmsNorm: weight {Tensors.Shape.Format(weight.Shape)} does not match the last axis of {Tensors.Shape.Format(Shape)}");
        using var x2 = Reshape(-1, c);
        var y = Empty(Shape, DType, Backend);
        var rstd = Empty([x2.Shape[0]], StatisticsDType(DType), Backend);
        using var y2 = y.Reshape(-1, c);
        Backend.RmsNormForward(x2, weight, eps, y2, rstd);
        return (y, rstd);
    }

    /// <summary>Gradients of RmsNorm: (dx with x's shape, dweight (C)); dweight written into dweightInto when given (contiguous (C)).</summary>
    public static (Tensor Dx, Tensor Dweight) RmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor? dweightInto = null)
    {
        CheckCompatible("RmsNormBackward", dy, x);
        CheckStatistics("RmsNormBackward", x, rstd);
        int c = x.Shape[^1];
        using var x2 = x.Reshape(-1, c);
        using var dy2 = dy.Reshape(-1, c);
        var dx = Empty(x.Shape, x.DType, x.Backend);
        if (dweightInto is not null && (dweightInto.DType != x.DType || !dweightInto.IsContiguous || !Tensors.Shape.SameShape(dweightInto.Shape, [c])))
            throw new ShapeException($"RmsNormBackward: dweight cannot be written into {dweightInto.DType.Name()} {Tensors.Shape.Format(dweightInto.Shape)} (expected contiguous {x.DType.Name()} ({c}))");
        var dweight = dweightInto ?? Empty([c], x.DType, x.Backend);
        using var dx2 = dx.Reshape(-1, c);
        x.Backend.RmsNormBackward(dy2, x2, weight, rstd, dx2, dweight);
        return (dx, dweight);
    }

    /// <summary>Rotate-half RoPE on (B, T, NH, HS); inverse undoes it (and is its gradient).</summary>
    public Tensor Rope(int positionOffset, double theta, bool inverse = false)
    {
        ThrowIfDisposed("Rope");
        if (Rank != 4 || Shape[3] % 2 != 0)
            throw new ShapeException($"Rope: expected (B, T, NH, HS) with even HS, got {Tensors.Shape.Format(Shape)}");
        var y = Empty(Shape, DType, Backend);
        Backend.Rope(this, y, positionOffset, theta, inverse);
        return y;
    }

    /// <summary>Per-row cross-entropy of logits (N, V) against int32 targets (N); ignored rows give 0.
    /// bf16 logits give float32 losses: the softmax statistics and the loss are float32 arithmetic
    /// either way, and a loss rounded to bf16 (steps of 0.016 near 3) would be summed and logged rounded.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = -100)
    {
        CheckIndex("CrossEntropy", logits, targets);
        if (logits.Rank != 2 || targets.Rank != 1 || targets.Shape[0] != logits.Shape[0])
            throw new ShapeException($"CrossEntropy: logits {Tensors.Shape.Format(logits.Shape)} and targets {Tensors.Shape.Format(targets.Shape)} do not fit (N, V) and (N)");
        var losses = Empty([logits.Shape[0]], StatisticsDType(logits.DType), logits.Backend);
        logits.Backend.CrossEntropyForward(logits, targets, ignoreIndex, losses);
        return losses;
    }

    public static Tensor CrossEntropyBackward(Tensor logits, Tensor targets, Tensor dlosses, int ignoreIndex = -100)
    {
        CheckIndex("CrossEntropyBackward", logits, targets);
        CheckStatistics("CrossEntropyBackward", logits, dlosses);
        var dlogits = Empty(logits.Shape, logits.DType, logits.Backend);
        logits.Backend.CrossEntropyBackward(logits, targets, ignoreIndex, dlosses, dlogits);
        return dlogits;
    }

    /// <summary>The dtype of the statistics a kernel keeps for x of dtype: float32 for bf16, else dtype itself.</summary>
    public static DType StatisticsDType(DType dtype) => dtype == DType.BFloat16 ? DType.Float32 : dtype;

    // stats (rstd, lse, dlosses) beside x: the same device, StatisticsDType(x.DType).
    private static void CheckStatistics(string op, Tensor x, Tensor stats)
    {
        stats.ThrowIfDisposed(op);
        if (stats.Backend != x.Backend)
            throw new ArgumentException($"{op}: tensors are on different devices ({x.Backend.Name} and {stats.Backend.Name})");
        if (stats.DType != StatisticsDType(x.DType))
            throw new ArgumentException($"{op}: {stats.DType.Name()} {Tensors.Shape.Format(stats.Shape)} statistics for {x.DType.Name()} inputs, expected {StatisticsDType(x.DType).Name()}");
    }

    /// <summary>In-place AdamW step on this parameter tensor with its moments m and v; gated by a ClipGate vector when one is given.</summary>
    public void AdamWUpdate(Tensor grad, Tensor m, Tensor v, AdamWStep step, Tensor? gate = null)
    {
        if (gate is not null) CheckGate("AdamW", gate);
        foreach (var t in new[] { grad, m, v })
        {
            CheckCompatible("AdamW", this, t);
            if (!Tensors.Shape.SameShape(t.Shape, Shape) || !t.IsContiguous)
                throw new ShapeException($"AdamW: {Tensors.Shape.Format(t.Shape)} must be contiguous and match the parameter {Tensors.Shape.Format(Shape)}");
        }
        if (!IsContiguous)
            throw new ShapeException($"AdamW: parameter {Tensors.Shape.Format(Shape)} must be contiguous");
        Backend.AdamW(this, grad, m, v, step, gate);
    }

    /// <summary>
    /// Updates gate (OptimizerGate.Length, in place) with this step's clip-and-skip decision from
    /// sumOfSquares () = Σ g² and loss () (null: only the norm is checked); all on one backend.
    /// </summary>
    public static void ClipGate(Tensor sumOfSquares, Tensor? loss, double maxNorm, Tensor gate)
    {
        if (!(maxNorm > 0)) throw new ArgumentException($"ClipGate: max norm {maxNorm}, expected > 0");
        CheckGate("ClipGate", gate);
        foreach (var t in loss is null ? [sumOfSquares] : new[] { sumOfSquares, loss })
        {
            t.ThrowIfDisposed("ClipGate");   // any float dtype: the host backends read a float64 world norm (DataParallel)
            if (t.Backend != gate.Backend) throw new ArgumentException($"ClipGate: tensors are on different devices ({t.Backend.Name} and {gate.Backend.Name})");
            if (t.Numel != 1) throw new ShapeException($"ClipGate: {Tensors.Shape.Format(t.Shape)} must hold one value");
        }
        gate.Backend.ClipGate(sumOfSquares, loss, maxNorm, gate);
    }

    private static void CheckGate(string op, Tensor gate)
    {
        if (gate.Rank != 1 || gate.Shape[0] != OptimizerGate.Length || !gate.IsContiguous)
            throw new ShapeException($"{op}: gate {Tensors.Shape.Format(gate.Shape)} must be contiguous ({OptimizerGate.Length})");
    }
}
