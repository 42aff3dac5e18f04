// Parity of the device-side optimizer gate (IBackend.ClipGate, then the gated IBackend.AdamW) with
// the composition it replaced, on the same backend: read Σ g² back, decide on the host (skip when Σ g²
// or the loss is not finite, else clip by c = maxNorm / (sqrt(Σ g²) + 1e-6) when c < 1, in place as
// GradClip.ClipTo did, one BinaryScalar), then the plain AdamW with the host's update count t.
// Several steps in a row, so the gate's counts (t, bad steps in a row, skipped in all) are checked as
// they carry over, and a skipped step must leave the weights, the moments and t exactly as they were.
// The composition is written out here (not OptimizerGate's helpers) so it does not share code with the
// gate it checks. Not here: each kernel against the float64 reference (AdamW in
// KernelParityTests.Fused.cs, the sum in .Reduce.cs); the trainer's reading of the gate (HostSyncTests).

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    /// <summary>
    /// Whether the gated path gives the composition's bits on this backend in dtype. The default is
    /// no; a backend says yes where it forms the clip coefficient as the host does (in double, rounded
    /// once to dtype), multiplies g by it once in dtype and takes t's bias corrections in double.
    /// </summary>
    protected virtual bool GatedAdamWIsBitwise(DType dtype) => false;

    /// <summary>What can go wrong in one step: nothing, or a non-finite loss or gradient element.</summary>
    private enum StepFault { None, NaNLoss, InfiniteLoss, NaNGradient, InfiniteGradient }

    // Five in eight steps are healthy, so runs of updates between skips occur.
    private static StepFault FaultOf(int raw) => Mod(raw, 8) switch
    {
        4 => StepFault.NaNLoss,
        5 => StepFault.InfiniteLoss,
        6 => StepFault.NaNGradient,
        7 => StepFault.InfiniteGradient,
        _ => StepFault.None,
    };

    // ∞ is "no clip" (the coefficient is then always ≥ 1); 0 zeroes every gradient (torch's
    // clip_grad_norm_ does the same; Tensor.ClipGate and the trainer refuse it, see below); 1e-3 always clips.
    private static readonly double[] MaxNorms = [double.PositiveInfinity, 1.0, 1e-3, 0];

    [Property(MaxTest = Cases)]
    public void ClipGateThenAdamWMatchesHostClipThenAdamW(int[] dims, bool wide, int gradScale, int maxNormPick, int[] faults,
        bool checksLoss, bool decay, int resumedAt, int seed)
    {
        var dtype = wide ? DTypeOf(FloatType.Float64) : DType.Float32;
        var shape = ShapeOf(dims, RankOf(dims, 1, 3), allowEmpty: false);
        double scale = Math.Pow(10, Mod(gradScale, 7) - 3);          // |g| from 1e-3 to 2e3: norms on both sides of maxNorm
        double maxNorm = MaxNorms[Mod(maxNormPick, MaxNorms.Length)];
        var plan = (faults is { Length: > 0 } ? faults : [0]).Take(5).Select(FaultOf).ToArray();
        RunGatedAgainstComposition(shape, dtype, scale, maxNorm, plan, checksLoss, decay, Mod(resumedAt, 4), seed);
    }

    /// <summary>A fixed sequence with its counts worked by hand: skips by each cause, a reset, a resumed count.</summary>
    [Fact]
    public void GateCountsSkipsAndResets()
    {
        StepFault[] plan = [StepFault.None, StepFault.NaNLoss, StepFault.InfiniteGradient, StepFault.None, StepFault.NaNGradient, StepFault.InfiniteLoss, StepFault.None];
        var gates = RunGatedAgainstComposition([3, 4], DType.Float32, 1, 1.0, plan, checksLoss: true, decay: true, resumedAt: 2, seed: 7);
        double[] Slot(int slot) => [.. gates.Select(g => g[slot])];
        Assert.Equal([3, 3, 3, 4, 4, 4, 5], Slot(OptimizerGate.Updates));
        Assert.Equal([0, 1, 2, 0, 1, 2, 0], Slot(OptimizerGate.BadInARow));
        Assert.Equal([0, 1, 2, 2, 3, 4, 4], Slot(OptimizerGate.Skipped));
        Assert.Equal([1, 0, 0, 1, 0, 0, 1], Slot(OptimizerGate.Update));
    }

    /// <summary>The Tensor-level gate refuses a max norm that is not positive (the trainer's convention: ∞ turns the clip off).</summary>
    [Fact]
    public void ClipGateRefusesMaxNormZero()
    {
        using var scope = new TensorScope();
        var sum = Tensor.Scalar(1, DType.Float32, Backend);
        var gate = Tensor.Zeros([OptimizerGate.Length], DType.Float32, Backend);
        var e = Assert.Throws<ArgumentException>(() => Tensor.ClipGate(sum, null, 0, gate));
        Assert.Contains("max norm 0", e.Message);
    }

    /// <summary>Runs the plan through both paths, checking after every step; returns the gate after each.</summary>
    private List<double[]> RunGatedAgainstComposition(int[] shape, DType dtype, double gradScale, double maxNorm, StepFault[] plan,
        bool checksLoss, bool decay, int resumedAt, int seed)
    {
        using var scope = new TensorScope();
        int numel = (int)Shape.Numel(shape);
        var param = Input(shape, dtype, Layout.Contiguous, seed).Device;
        var m = Input(shape, dtype, Layout.Contiguous, seed + 1, -0.5, 0.5).Device;
        var v = Input(shape, dtype, Layout.Contiguous, seed + 2, 0, 0.5).Device;   // v ≥ 0, as a second moment is
        var (gatedP, gatedM, gatedV) = (param.Cast(dtype), m.Cast(dtype), v.Cast(dtype));
        var start = new double[OptimizerGate.Length];
        start[OptimizerGate.Updates] = resumedAt;                  // as AdamW.Step starts it: the host's count so far
        var gate = Tensor.FromArray(start, [start.Length]).To(Backend, dtype);
        int t = resumedAt, badInARow = 0, skipped = 0;
        var gates = new List<double[]>();
        for (int s = 0; s < plan.Length; s++)
        {
            var fault = plan[s];
            using var drawn = Tensor.Rand(shape, (ulong)(seed + 10 + s), -2 * gradScale, 2 * gradScale, DType.Float64, Reference);
            var gradValues = drawn.ToDoubleArray();
            if (fault is StepFault.NaNGradient or StepFault.InfiniteGradient)
                gradValues[Mod(seed + s, numel)] = fault == StepFault.NaNGradient ? double.NaN : double.PositiveInfinity;
            double lossValue = fault switch { StepFault.NaNLoss => double.NaN, StepFault.InfiniteLoss => double.NegativeInfinity, _ => 1.5 };
            var grad = Tensor.FromArray(gradValues, shape).To(Backend, dtype);
            var gradBefore = grad.ToDoubleArray();
            var loss = checksLoss ? Tensor.Scalar(lossValue, dtype, Backend) : null;
            var sumOfSquares = grad.Square().Sum();                  // () on the device, the same tensor for both paths
            var before = (P: gatedP.ToDoubleArray(), M: gatedM.ToDoubleArray(), V: gatedV.ToDoubleArray());
            string context = $"step {s + 1} of [{string.Join(", ", plan)}], {Shape.Format(shape)} {dtype.Name()}, |g| ~ {gradScale:G2}, " +
                $"max norm {maxNorm}, loss {(checksLoss ? lossValue : "not checked")}, decay {decay}, resumed at {resumedAt}, seed {seed}";

            // the composition: Σ g² read back, the host decides, clips in place, and steps with its own t
            double sum = sumOfSquares.Item();
            bool ok = double.IsFinite(sum) && (!checksLoss || double.IsFinite(lossValue));
            double coefficient = 1;
            if (ok)
            {
                double c = maxNorm / (Math.Sqrt(sum) + 1e-6);
                if (c < 1)
                {
                    coefficient = dtype.Round(c);
                    Backend.BinaryScalar(BinaryOp.Mul, grad, coefficient, grad);
                }
                t++;
                Backend.AdamW(param, grad, m, v, GateTestStep(decay, t));
            }
            (badInARow, skipped) = ok ? (0, skipped) : (badInARow + 1, skipped + 1);

            // the gate: the device decides; the step's own t (deliberately wrong) must not be read
            var gradOnDevice = Tensor.FromArray(gradValues, shape).To(Backend, dtype);
            Backend.ClipGate(sumOfSquares, loss, maxNorm, gate);
            Backend.AdamW(gatedP, gradOnDevice, gatedM, gatedV, GateTestStep(decay, t + 5), gate);

            var g = gate.ToDoubleArray();
            gates.Add(g);
            ArrayAssert.Close(g[OptimizerGate.Update..], [ok ? 1 : 0, t, badInARow, skipped], Exact, "gate update, t, bad in a row, skipped", context);
            ArrayAssert.Close(g[..1], [sum], Exact, "gate Σ g²", context);
            ArrayAssert.Close(g[1..2], [coefficient], new(0, GatedAdamWIsBitwise(dtype) ? 0 : Tolerance(dtype)), "gate clip coefficient", context);
            ArrayAssert.Close(gradOnDevice.ToDoubleArray(), gradBefore, Exact, "gated AdamW leaves the grad as it was", context, shape);
            if (!ok)
            {
                ArrayAssert.Close(gatedP.ToDoubleArray(), before.P, Exact, "skipped step: param unchanged", context, shape);
                ArrayAssert.Close(gatedM.ToDoubleArray(), before.M, Exact, "skipped step: m unchanged", context, shape);
                ArrayAssert.Close(gatedV.ToDoubleArray(), before.V, Exact, "skipped step: v unchanged", context, shape);
            }
            CheckGatedStep(context, shape, dtype, decay, t, before, (gatedP, gatedM, gatedV), (param, m, v));
        }
        return gates;
    }

    private static readonly PropertyTests.Tolerance Exact = PropertyTests.Tolerance.Exact;

    private static AdamWStep GateTestStep(bool decay, int t) =>
        new(LearningRate: 1e-2, Beta1: 0.9, Beta2: 0.95, Epsilon: 1e-8, WeightDecay: decay ? 0.1 : 0, Step: Math.Max(t, 1));

    /// <summary>
    /// The gated state against the composition's. Bitwise where the backend says so; elsewhere the two
    /// differ only in the rounding of c (float on the device: sqrt, add, divide, a few ulp) and of the
    /// bias corrections 1 − β^t (float pow on the device), relative errors of order 1e-6, well inside the
    /// backend's float32 tolerance against the error scales of the AdamW parity case:
    ///   m: β1·|m₀| + (1 − β1)·|g|      v: |v|      p: |p₀|·(1 + lr·wd) + lr·|m̂|/(sqrt(v̂) + ε)
    /// (the composition's values; |g| bounded by |m − β1·m₀| / (1 − β1)).
    /// </summary>
    private void CheckGatedStep(string context, int[] shape, DType dtype, bool decay, int t,
        (double[] P, double[] M, double[] V) before, (Tensor P, Tensor M, Tensor V) gated, (Tensor P, Tensor M, Tensor V) composed)
    {
        var step = GateTestStep(decay, t);
        var (p, m, v) = (composed.P.ToDoubleArray(), composed.M.ToDoubleArray(), composed.V.ToDoubleArray());
        var tolerance = new PropertyTests.Tolerance(0, GatedAdamWIsBitwise(dtype) ? 0 : Tolerance(dtype));
        double correction1 = 1 - Math.Pow(step.Beta1, Math.Max(t, 1)), correction2 = 1 - Math.Pow(step.Beta2, Math.Max(t, 1));
        var scaleM = before.M.Select((m0, i) => step.Beta1 * Math.Abs(m0) + Math.Abs(m[i] - step.Beta1 * m0)).ToArray();
        var scaleV = Array.ConvertAll(v, Math.Abs);
        var scaleP = before.P.Select((p0, i) => Math.Abs(p0) * (1 + step.LearningRate * step.WeightDecay)
            + step.LearningRate * scaleM[i] / correction1 / (Math.Sqrt(v[i] / correction2) + step.Epsilon)).ToArray();
        ArrayAssert.Close(gated.P.ToDoubleArray(), p, tolerance, "gated AdamW param vs host clip + AdamW", context, shape, scaleP);
        ArrayAssert.Close(gated.M.ToDoubleArray(), m, tolerance, "gated AdamW m vs host clip + AdamW", context, shape, scaleM);
        ArrayAssert.Close(gated.V.ToDoubleArray(), v, tolerance, "gated AdamW v vs host clip + AdamW", context, shape, scaleV);
    }
}
