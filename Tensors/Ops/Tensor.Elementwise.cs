// Elementwise ops with NumPy broadcasting. The inputs are expanded to the common shape as
// stride-0 views (no copy) and handed to one backend kernel that writes a contiguous result.
// The named methods below are a table on purpose, one line per op (PyTorch's names over Apply).
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    public Tensor Apply(UnaryOp op)
    {
        ThrowIfDisposed(op.ToString());
        var y = Empty(Shape, DType, Backend);
        Backend.Unary(op, this, y);
        return y;
    }

    public static Tensor Apply(BinaryOp op, Tensor a, Tensor b)
    {
        CheckCompatible(op.ToString(), a, b);
        var shape = Tensors.Shape.Broadcast(op.ToString(), a.Shape, b.Shape);
        using var ea = a.Expand(shape);
        using var eb = b.Expand(shape);
        var y = Empty(shape, a.DType, a.Backend);
        a.Backend.Binary(op, ea, eb, y);
        return y;
    }

    /// <summary>Binary op against a scalar, first rounded to this tensor's dtype (as a Scalar tensor would hold it); the backend gets it by value.</summary>
    public Tensor Apply(BinaryOp op, double scalar)
    {
        ThrowIfDisposed(op.ToString());
        var y = Empty(Shape, DType, Backend);
        Backend.BinaryScalar(op, this, DType.Round(scalar), y);
        return y;
    }

    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        CheckCompatible("Where", a, b);
        condition.ThrowIfDisposed("Where");
        var shape = Tensors.Shape.Broadcast("Where", Tensors.Shape.Broadcast("Where", condition.Shape, a.Shape), b.Shape);
        using var ec = condition.Expand(shape);
        using var ea = a.Expand(shape);
        using var eb = b.Expand(shape);
        var y = Empty(shape, a.DType, a.Backend);
        a.Backend.Where(ec, ea, eb, y);
        return y;
    }

    public Tensor Neg() => Apply(UnaryOp.Neg);
    public Tensor Exp() => Apply(UnaryOp.Exp);
    public Tensor Log() => Apply(UnaryOp.Log);
    public Tensor Sqrt() => Apply(UnaryOp.Sqrt);
    public Tensor Rsqrt() => Apply(UnaryOp.Rsqrt);
    public Tensor Abs() => Apply(UnaryOp.Abs);
    public Tensor Sign() => Apply(UnaryOp.Sign);
    public Tensor Square() => Apply(UnaryOp.Square);
    public Tensor Reciprocal() => Apply(UnaryOp.Reciprocal);
    public Tensor Relu() => Apply(UnaryOp.Relu);
    public Tensor Sigmoid() => Apply(UnaryOp.Sigmoid);
    public Tensor Tanh() => Apply(UnaryOp.Tanh);
    public Tensor Silu() => Apply(UnaryOp.Silu);
    public Tensor Sin() => Apply(UnaryOp.Sin);
    public Tensor Cos() => Apply(UnaryOp.Cos);

    public Tensor Add(Tensor b) => Apply(BinaryOp.Add, this, b);
    public Tensor Sub(Tensor b) => Apply(BinaryOp.Sub, this, b);
    public Tensor Mul(Tensor b) => Apply(BinaryOp.Mul, this, b);
    public Tensor Div(Tensor b) => Apply(BinaryOp.Div, this, b);
    public Tensor Maximum(Tensor b) => Apply(BinaryOp.Max, this, b);
    public Tensor Minimum(Tensor b) => Apply(BinaryOp.Min, this, b);
    public Tensor Pow(Tensor b) => Apply(BinaryOp.Pow, this, b);
    public Tensor Eq(Tensor b) => Apply(BinaryOp.Eq, this, b);
    public Tensor Ne(Tensor b) => Apply(BinaryOp.Ne, this, b);
    public Tensor Lt(Tensor b) => Apply(BinaryOp.Lt, this, b);
    public Tensor Le(Tensor b) => Apply(BinaryOp.Le, this, b);
    public Tensor Gt(Tensor b) => Apply(BinaryOp.Gt, this, b);
    public Tensor Ge(Tensor b) => Apply(BinaryOp.Ge, this, b);

    public Tensor Add(double s) => Apply(BinaryOp.Add, s);
    public Tensor Sub(double s) => Apply(BinaryOp.Sub, s);
    public Tensor Mul(double s) => Apply(BinaryOp.Mul, s);
    public Tensor Div(double s) => Apply(BinaryOp.Div, s);
    public Tensor Pow(double s) => Apply(BinaryOp.Pow, s);

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, double s) => a.Add(s);
    public static Tensor operator -(Tensor a, double s) => a.Sub(s);
    public static Tensor operator *(Tensor a, double s) => a.Mul(s);
    public static Tensor operator /(Tensor a, double s) => a.Div(s);
    public static Tensor operator *(double s, Tensor a) => a.Mul(s);
}
