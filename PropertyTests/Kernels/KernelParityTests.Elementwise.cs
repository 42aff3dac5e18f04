// Parity of the elementwise kernels: every unary and binary op in float32/float64, the exact int32
// ones, and Where. Inputs arrive in any layout (broadcast operands are expanded views), as the ops
// layer hands them over. Each op draws from its own domain (positive for log, sqrt, pow, ...).

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    /// <summary>Ops whose float result is a transcendental function: compared with an absolute floor of 1.</summary>
    private static bool IsTranscendental(UnaryOp op) =>
        op is UnaryOp.Exp or UnaryOp.Log or UnaryOp.Sigmoid or UnaryOp.Tanh or UnaryOp.Silu or UnaryOp.Sin or UnaryOp.Cos;

    private static (double Low, double High) DomainOf(UnaryOp op) =>
        op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Rsqrt or UnaryOp.Reciprocal ? (0.1, 4) : (-4, 4);

    [Property(MaxTest = 2 * Cases)]
    public void Unary(UnaryOp op, int[] dims, FloatType type, Layout layout, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 0, 4));
        var (low, high) = DomainOf(op);
        var x = Input(shape, dtype, layout, seed, low, high);
        var (expected, actual) = Run(shape, dtype, (backend, on, y) => backend.Unary(op, on(x), y));
        // A vectorised exp/sin/log is accurate to a few ulps of max(|y|, 1), not of a tiny |y| near a root.
        using var scale = IsTranscendental(op) ? expected.Abs().Add(1) : null;
        Check($"Unary {op}", Describe(("x", x)), actual, expected, scale);
    }

    [Property(MaxTest = Cases)]
    public void UnaryInt32(int[] dims, Layout layout, int seed, bool square)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, RankOf(dims, 0, 3));
        var x = Input(shape, DType.Int32, layout, seed, -100, 100);
        foreach (var op in square ? [UnaryOp.Square] : new[] { UnaryOp.Neg, UnaryOp.Abs, UnaryOp.Sign, UnaryOp.Relu })
        {
            var (expected, actual) = Run(shape, DType.Int32, (backend, on, y) => backend.Unary(op, on(x), y));
            Check($"Unary {op} int32", Describe(("x", x)), actual, expected);
        }
    }

    private static (double Low, double High) DomainOf(BinaryOp op, bool right) => op switch
    {
        BinaryOp.Pow => right ? (-3, 3) : (0.1, 3),
        BinaryOp.Div => right ? (0.25, 3) : (-4, 4),
        _ => (-4, 4),
    };

    /// <summary>Comparisons, Max and Min draw whole numbers so that equal operands occur.</summary>
    private static bool NeedsTies(BinaryOp op) => op >= BinaryOp.Eq || op is BinaryOp.Max or BinaryOp.Min;

    [Property(MaxTest = 2 * Cases)]
    public void Binary(BinaryOp op, int[] dims, FloatType type, Layout layoutA, Layout layoutB, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 0, 4));
        var (lowA, highA) = DomainOf(op, right: false);
        var (lowB, highB) = DomainOf(op, right: true);
        var a = Input(shape, dtype, layoutA, seed, lowA, highA, integers: NeedsTies(op));
        var b = Input(shape, dtype, layoutB, seed + 1, lowB, highB, integers: NeedsTies(op));
        var (expected, actual) = Run(shape, dtype, (backend, on, y) => backend.Binary(op, on(a), on(b), y));
        // Add and Sub round once: |a| + |b| bounds the error even when the result cancels to ~0.
        // SiluMul and SiluGrad: a vectorised σ is accurate to a few ulps of σ, so of |b|·(1 + |a|), the
        // size of their terms; SiluGrad's 1 + a·(1 − σ(a)) cancels to 0 near a = −1.28.
        using var scale = op is BinaryOp.Add or BinaryOp.Sub ? a.Reference.Abs().Add(b.Reference.Abs())
            : op.IsFloatOnly() ? b.Reference.Abs().Mul(a.Reference.Abs().Add(1))
            : op is BinaryOp.Pow ? expected.Abs().Add(1) : null;
        Check($"Binary {op}", Describe(("a", a), ("b", b)), actual, expected, scale, exact: NeedsTies(op));
    }

    /// <summary>Binary with y the very tensor a (or b) is (IBackend allows it; gradients accumulate so): the same bits as into a fresh tensor.</summary>
    [Property(MaxTest = Cases)]
    public void BinaryInPlace(BinaryOp op, int[] dims, bool intoB, Layout other, int seed)
    {
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, RankOf(dims, 0, 4));
        // The destination is an output, so contiguous (IBackend's convention); the other input any layout.
        var (lowA, highA) = DomainOf(op, right: false);
        var (lowB, highB) = DomainOf(op, right: true);
        var a = Input(shape, DType.Float32, intoB ? other : Layout.Contiguous, seed, lowA, highA, integers: NeedsTies(op));
        var b = Input(shape, DType.Float32, intoB ? Layout.Contiguous : other, seed + 1, lowB, highB, integers: NeedsTies(op));
        var fresh = Tensor.Empty(shape, DType.Float32, Backend);
        Backend.Binary(op, a.Device, b.Device, fresh);
        var target = intoB ? b.Device : a.Device;
        Backend.Binary(op, a.Device, b.Device, target);
        Check($"Binary {op} in place into {(intoB ? "b" : "a")}", Describe(("a", a), ("b", b)), target, fresh, exact: true);
    }

    [Property(MaxTest = 2 * Cases)]
    public void BinaryInt32(BinaryOp op, int[] dims, Layout layoutA, Layout layoutB, int seed)
    {
        if (op.IsFloatOnly()) op = BinaryOp.Mul;   // no integer meaning (KernelOpInfo.IsFloatOnly); the refusal is tested in Errors
        using var scope = new TensorScope();
        var shape = ShapeOf(dims, RankOf(dims, 0, 3));
        // Exact integer arithmetic: no division by 0, and powers with small non-negative exponents.
        var (lowB, highB) = op switch { BinaryOp.Div => (1.0, 20.0), BinaryOp.Pow => (0.0, 4.0), _ => (-20.0, 20.0) };
        var a = Input(shape, DType.Int32, layoutA, seed, -20, 20);
        var b = Input(shape, DType.Int32, layoutB, seed + 1, lowB, highB);
        var (expected, actual) = Run(shape, DType.Int32, (backend, on, y) => backend.Binary(op, on(a), on(b), y));
        Check($"Binary {op} int32", Describe(("a", a), ("b", b)), actual, expected);
    }

    /// <summary>
    /// BinaryScalar against the composition it replaces, on this backend: Binary with b a one-element
    /// tensor holding the number, broadcast over a. Bit for bit (one formula on the same two numbers),
    /// float and int32, a in any layout. (Binary itself is checked against the reference above.)
    /// </summary>
    [Property(MaxTest = 2 * Cases)]
    public void BinaryScalar(BinaryOp op, int[] dims, ElementType type, Layout layout, int seed)
    {
        using var scope = new TensorScope();
        var dtype = op.IsFloatOnly() && type == ElementType.Int32 ? DType.Float32 : DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 0, 4));
        bool ints = dtype == DType.Int32;
        var (lowA, highA) = ints ? (-20, 20) : DomainOf(op, right: false);
        var (lowB, highB) = !ints ? DomainOf(op, right: true) : op switch { BinaryOp.Div => (1.0, 20.0), BinaryOp.Pow => (0.0, 4.0), _ => (-20.0, 20.0) };
        var a = Input(shape, dtype, layout, seed, lowA, highA, integers: NeedsTies(op));
        double b = lowB + (highB - lowB) * new Random(seed).NextDouble();
        b = ints || NeedsTies(op) ? Math.Truncate(b) : dtype.Round(b);   // a number the dtype holds
        var fused = Tensor.Empty(shape, dtype, Backend);
        Backend.BinaryScalar(op, a.Device, b, fused);
        var scalar = Tensor.Scalar(b, dtype, Backend);
        var composed = Tensor.Empty(shape, dtype, Backend);
        Backend.Binary(op, a.Device, scalar.Expand(shape), composed);
        Check($"BinaryScalar {op} {dtype.Name()}", Describe(("a", a)) + $"; b {b}", fused, composed, exact: true);
    }

    [Property(MaxTest = Cases)]
    public void Where(int[] dims, ElementType type, Layout layoutCondition, Layout layoutA, Layout layoutB, int seed)
    {
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        var shape = ShapeOf(dims, RankOf(dims, 0, 4));
        var condition = Input(shape, dtype, layoutCondition, seed, -1, 2, integers: true);   // −1, 0 or 1
        var a = Input(shape, dtype, layoutA, seed + 1, -10, 10);
        var b = Input(shape, dtype, layoutB, seed + 2, -10, 10);
        var (expected, actual) = Run(shape, dtype, (backend, on, y) => backend.Where(on(condition), on(a), on(b), y));
        Check("Where", Describe(("condition", condition), ("a", a), ("b", b)), actual, expected, exact: true);
    }
}
