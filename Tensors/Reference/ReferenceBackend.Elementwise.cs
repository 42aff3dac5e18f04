// Reference elementwise kernels: Unary, Binary, BinaryScalar, Where. Inputs arrive already expanded to y's shape
// (broadcast axes have stride 0), so one multi-index i addresses every operand.
// The formulas are spelled out once, in UnaryFormula and BinaryFormula, as the definition of each op.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    public void Unary(UnaryOp op, Tensor x, Tensor y)
    {
        foreach (var i in StridedIndex.Over(y.Shape))
            Set(y, i, UnaryFormula(op, Get(x, i)));
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        if (op.IsFloatOnly() && y.DType == DType.Int32) throw new NotSupportedException($"{op}: float only, got int32");
        foreach (var i in StridedIndex.Over(y.Shape))
            Set(y, i, BinaryFormula(op, Get(a, i), Get(b, i)));
    }

    public void BinaryScalar(BinaryOp op, Tensor a, double b, Tensor y)
    {
        foreach (var i in StridedIndex.Over(y.Shape))
            Set(y, i, BinaryFormula(op, Get(a, i), b));
    }

    /// <summary>y = condition != 0 ? a : b.</summary>
    public void Where(Tensor condition, Tensor a, Tensor b, Tensor y)
    {
        foreach (var i in StridedIndex.Over(y.Shape))
            Set(y, i, Get(condition, i) != 0 ? Get(a, i) : Get(b, i));
    }

    public static double UnaryFormula(UnaryOp op, double x) => op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Sqrt => Math.Sqrt(x),
        UnaryOp.Rsqrt => 1 / Math.Sqrt(x),
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Sign => x > 0 ? 1 : x < 0 ? -1 : x,      // sign(±0) = ±0, sign(NaN) = NaN
        UnaryOp.Square => x * x,
        UnaryOp.Reciprocal => 1 / x,
        UnaryOp.Relu => x > 0 ? x : 0,
        UnaryOp.Sigmoid => 1 / (1 + Math.Exp(-x)),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Silu => x / (1 + Math.Exp(-x)),            // x · sigmoid(x)
        UnaryOp.Sin => Math.Sin(x),
        UnaryOp.Cos => Math.Cos(x),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, $"reference: unknown unary op {op}"),
    };

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double BinaryFormula(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,           // on int32 the write truncates toward zero, like C's a / b
        BinaryOp.Max => Math.Max(a, b),
        BinaryOp.Min => Math.Min(a, b),
        BinaryOp.Pow => Math.Pow(a, b),
        BinaryOp.SiluMul => a / (1 + Math.Exp(-a)) * b,                                  // silu(a)·b
        BinaryOp.SiluGrad => b * Sigmoid(a) * (1 + a * (1 - Sigmoid(a))),                // b·σ(a)·(1 + a·(1 − σ(a))) = b·silu'(a)
        BinaryOp.Eq => a == b ? 1 : 0,
        BinaryOp.Ne => a != b ? 1 : 0,
        BinaryOp.Lt => a < b ? 1 : 0,
        BinaryOp.Le => a <= b ? 1 : 0,
        BinaryOp.Gt => a > b ? 1 : 0,
        BinaryOp.Ge => a >= b ? 1 : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, $"reference: unknown binary op {op}"),
    };
}
