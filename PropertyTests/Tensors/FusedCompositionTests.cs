// Each fused op equals the composition of primitives it replaces (as every fused kernel must), on
// the reference in float64: RMSNorm = x·rsqrt(mean(x²)+eps)·w, cross-entropy = −log_softmax
// gathered at the target, its gradient = softmax − onehot, RoPE = x·cos + rotate_half(x)·sin and
// its inverse undoes it.
// The backward kernels are also checked against central finite differences of their forwards.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class FusedCompositionTests
{
    private const double Eps = 1e-5;

    [Property(MaxTest = 40)]
    public void RmsNormEqualsItsComposition(int n, int c, int seed)
    {
        using var scope = new TensorScope();
        int N = Size(n), C = 1 + Size(c, 6);
        var x = Rand([N, C], seed);
        var w = Rand([C], seed + 1, 0.5, 1.5);
        var (y, rstd) = x.RmsNorm(w, Eps);
        var composedRstd = x.Square().Mean(-1, keepDim: true).Add(Eps).Rsqrt();      // (N, 1)
        var composed = x.Mul(composedRstd).Mul(w);
        ArrayAssert.Close(y.ToDoubleArray(), composed.ToDoubleArray(), Tolerance.Absolute(1e-12), "RmsNorm y");
        ArrayAssert.Close(rstd.ToDoubleArray(), composedRstd.ToDoubleArray(), Tolerance.Absolute(1e-12), "RmsNorm rstd");
    }

    [Property(MaxTest = 30)]
    public void RmsNormBackwardMatchesFiniteDifferences(int n, int c, int seed)
    {
        using var scope = new TensorScope();
        int N = 1 + Size(n, 3), C = 1 + Size(c, 5);
        var x = Rand([N, C], seed);
        var w = Rand([C], seed + 1, 0.5, 1.5);
        var dy = Rand([N, C], seed + 2);
        var (_, rstd) = x.RmsNorm(w, Eps);
        var (dx, dw) = Tensor.RmsNormBackward(dy, x, w, rstd);
        // L = Σ dy·y, so dL/dx and dL/dw are what the backward returns.
        double Loss(double[] xs, double[] ws)
        {
            using var inner = new TensorScope();
            var (y, _) = Tensor.FromArray(xs, [N, C], Backend).RmsNorm(Tensor.FromArray(ws, [C], Backend), Eps);
            return y.Mul(dy).Sum().Item();
        }
        ArrayAssert.Close(dx.ToDoubleArray(), NumericGradient(x.ToDoubleArray(), v => Loss(v, w.ToDoubleArray())), Tolerance.Absolute(1e-7), "RmsNorm dx");
        ArrayAssert.Close(dw.ToDoubleArray(), NumericGradient(w.ToDoubleArray(), v => Loss(x.ToDoubleArray(), v)), Tolerance.Absolute(1e-7), "RmsNorm dweight");
    }

    [Property(MaxTest = 40)]
    public void CrossEntropyEqualsNegativeLogSoftmaxAtTheTarget(int n, int v, bool ignoreSome, int seed)
    {
        using var scope = new TensorScope();
        int N = Size(n), V = 1 + Size(v, 6);
        var logits = Rand([N, V], seed, -5, 5);
        var targetValues = Rand([N], seed + 1, 0, V, integers: true).ToDoubleArray().Select(t => (int)t).ToArray();
        if (ignoreSome && N > 0) targetValues[0] = -100;
        var targets = Tensor.FromArray(targetValues, [N], Backend);
        var losses = Tensor.CrossEntropy(logits, targets);

        var logP = logits.LogSoftmax(-1).ToDoubleArray();
        var expected = targetValues.Select((t, row) => t == -100 ? 0 : -logP[row * V + t]).ToArray();
        ArrayAssert.Close(losses.ToDoubleArray(), expected, Tolerance.Absolute(1e-12), "CrossEntropy");

        // d(Σ dl·loss)/dlogits = (softmax − onehot)·dl, 0 on the ignored row.
        var dlosses = Rand([N], seed + 2);
        var dlogits = Tensor.CrossEntropyBackward(logits, targets, dlosses);
        double[] p = logits.Softmax(-1).ToDoubleArray(), dl = dlosses.ToDoubleArray();
        var expectedGrad = p.Select((pv, i) => targetValues[i / V] == -100 ? 0 : (pv - (i % V == targetValues[i / V] ? 1 : 0)) * dl[i / V]).ToArray();
        ArrayAssert.Close(dlogits.ToDoubleArray(), expectedGrad, Tolerance.Absolute(1e-12), "CrossEntropyBackward");
    }

    [Property(MaxTest = 40)]
    public void RopeEqualsRotateHalfAndInverseUndoesIt(int[] dims, int offset, int seed)
    {
        using var scope = new TensorScope();
        var shape = Enumerable.Range(0, 4).Select(d => 1 + Size(d < (dims?.Length ?? 0) ? dims![d] : 0, 3)).ToArray();
        shape[3] *= 2;
        int HS = shape[3], h = HS / 2, positionOffset = Size(offset, 50);
        const double theta = 10000;
        var x = Rand(shape, seed);
        var y = x.Rope(positionOffset, theta);

        // angle[t, i] = (offset + t)·theta^(−2i/HS) for i < h, repeated for the second half: (T, HS)
        var angles = new double[shape[1] * HS];
        for (int t = 0; t < shape[1]; t++)
            for (int i = 0; i < HS; i++)
                angles[t * HS + i] = (positionOffset + t) * Math.Pow(theta, -2.0 * (i % h) / HS);
        var angle = Tensor.FromArray(angles, [shape[1], 1, HS], Backend);          // broadcasts over B and NH
        var rotated = Tensor.Concat([x.Narrow(3, h, h).Neg(), x.Narrow(3, 0, h)], 3);   // rotate_half(x)
        var composed = x.Mul(angle.Cos()).Add(rotated.Mul(angle.Sin()));
        ArrayAssert.Close(y.ToDoubleArray(), composed.ToDoubleArray(), Tolerance.Absolute(1e-12), "Rope");
        ArrayAssert.Close(y.Rope(positionOffset, theta, inverse: true).ToDoubleArray(), x.ToDoubleArray(), Tolerance.Absolute(1e-12), "Rope inverse");
    }

    /// <summary>Central differences of f at every coordinate of x (float64, step 1e-6).</summary>
    private static double[] NumericGradient(double[] x, Func<double[], double> f)
    {
        const double h = 1e-6;
        var gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[i] += h;
            minus[i] -= h;
            gradient[i] = (f(plus) - f(minus)) / (2 * h);
        }
        return gradient;
    }
}
