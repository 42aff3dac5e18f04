// Elementwise ops on Variables, each forward with its backward beside it.
// Follows micrograd: `y = f(x)` then `dx = dy * f'(x)` on the next line. Binary ops broadcast
// (NumPy rules) and sum their gradients back to each input's shape with Broadcasting.SumTo.
// Not here: comparisons have no gradient — they return Variables that do not require grad.
// The operators at the end are a table on purpose, one line per C# operator over the named ops.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public partial class Variable
{
    // ---- unary: y = f(x), dx = dy * f'(x) ------------------------------------------------------
    private Variable Unary(UnaryOp op, InputGradFn dx) => Tape.Record(op.ToString(), Data.Apply(op), [this], dx);

    public Variable Neg() => Unary(UnaryOp.Neg, (dy, n) => dy.Neg());
    public Variable Exp() => Unary(UnaryOp.Exp, (dy, n) => dy * n.Y);                           // d exp(x) = exp(x)
    public Variable Log() => Unary(UnaryOp.Log, (dy, n) => dy / n.X[0]);                        // d log(x) = 1/x
    public Variable Sqrt() => Unary(UnaryOp.Sqrt, (dy, n) => dy / n.Y * 0.5);                   // d √x = 1/(2√x)
    public Variable Rsqrt() => Unary(UnaryOp.Rsqrt, (dy, n) => dy * n.Y / n.X[0] * -0.5);       // d x^-½ = -½ x^-½ / x
    public Variable Abs() => Unary(UnaryOp.Abs, (dy, n) => dy * n.X[0].Sign());                 // d |x| = sign(x)
    public Variable Square() => Unary(UnaryOp.Square, (dy, n) => dy * n.X[0] * 2);             // d x² = 2x
    public Variable Reciprocal() => Unary(UnaryOp.Reciprocal, (dy, n) => dy * n.Y.Square() * -1); // d 1/x = -1/x²
    public Variable Relu() => Unary(UnaryOp.Relu, (dy, n) => dy * n.X[0].Apply(BinaryOp.Gt, 0)); // 1 where x > 0
    public Variable Sigmoid() => Unary(UnaryOp.Sigmoid, (dy, n) => dy * n.Y * OneMinus(n.Y));  // σ' = σ(1 - σ)
    public Variable Tanh() => Unary(UnaryOp.Tanh, (dy, n) => dy * OneMinus(n.Y.Square()));     // tanh' = 1 - tanh²
    public Variable Sin() => Unary(UnaryOp.Sin, (dy, n) => dy * n.X[0].Cos());
    public Variable Cos() => Unary(UnaryOp.Cos, (dy, n) => dy * n.X[0].Sin() * -1);

    /// <summary>SiLU x·σ(x) as one kernel; d/dx = σ(x)·(1 + x·(1 - σ(x))), one SiluGrad pass. Composite.Silu spells it out.</summary>
    public Variable Silu() => Unary(UnaryOp.Silu, (dy, n) => Tensor.Apply(BinaryOp.SiluGrad, n.X[0], dy));

    /// <summary>Sign has zero gradient almost everywhere; the result does not require grad.</summary>
    public Variable Sign() => new(Data.Sign());

    private static Tensor OneMinus(Tensor t) => t.Neg().Add(1);

    // ---- binary, broadcasting: each input's gradient is summed back to its own shape ------------
    private static Variable Binary(BinaryOp op, Variable a, Variable b, InputGradFn da, InputGradFn db) =>
        Tape.Record(op.ToString(), Tensor.Apply(op, a.Data, b.Data), [a, b],
            (dy, n) => Broadcasting.SumTo(da(dy, n), a.Shape),
            (dy, n) => Broadcasting.SumTo(db(dy, n), b.Shape));

    public Variable Add(Variable b) => Binary(BinaryOp.Add, this, b, (dy, n) => dy.Alias(), (dy, n) => dy.Alias());
    public Variable Sub(Variable b) => Binary(BinaryOp.Sub, this, b, (dy, n) => dy.Alias(), (dy, n) => dy.Neg());
    public Variable Mul(Variable b) => Binary(BinaryOp.Mul, this, b, (dy, n) => dy * n.X[1], (dy, n) => dy * n.X[0]);

    // y = a / b:  da = dy / b,  db = -dy * a / b² = -dy * y / b
    public Variable Div(Variable b) => Binary(BinaryOp.Div, this, b, (dy, n) => dy / n.X[1], (dy, n) => (dy * n.Y / n.X[1]).Neg());

    // y = a^b:  da = dy * b * a^(b-1),  db = dy * y * log(a)  (a > 0 where b needs a gradient)
    public Variable Pow(Variable b) => Binary(BinaryOp.Pow, this, b,
        (dy, n) => dy * n.X[1] * n.X[0].Pow(n.X[1] - 1), (dy, n) => dy * n.Y * n.X[0].Log());

    // max/min send the gradient to the winning side; ties go to a (so the total is still dy).
    public Variable Maximum(Variable b) => Binary(BinaryOp.Max, this, b, (dy, n) => dy * n.X[0].Ge(n.X[1]), (dy, n) => dy * n.X[0].Lt(n.X[1]));
    public Variable Minimum(Variable b) => Binary(BinaryOp.Min, this, b, (dy, n) => dy * n.X[0].Le(n.X[1]), (dy, n) => dy * n.X[0].Gt(n.X[1]));

    // ---- with a constant: the constant needs no gradient -----------------------------------------
    public Variable Add(double s) => Tape.Record("Add", Data.Add(s), [this], (dy, n) => dy.Alias());
    public Variable Sub(double s) => Add(-s);
    public Variable Mul(double s) => Tape.Record("Mul", Data.Mul(s), [this], (dy, n) => dy * s);
    public Variable Div(double s) => Mul(1 / s);
    public Variable Pow(double p) => Tape.Record("Pow", Data.Pow(p), [this], (dy, n) => dy * n.X[0].Pow(p - 1) * p);

    // ---- dtype: y = x in another dtype (rounded to nearest even when narrower), dx = dy in x's dtype --
    /// <summary>The values in dtype; the gradient comes back in this Variable's dtype (mixed precision's weight cast).</summary>
    public Variable Cast(DType dtype) => Tape.Record("Cast", Data.Cast(dtype), [this], (dy, n) => CastInto(dy, n.X[0].DType, n.Destination(0)));

    // dy converted to dtype: into the master's Grad when the engine offers it (one conversion, no copy after it).
    private static Tensor CastInto(Tensor dy, DType dtype, Tensor? into)
    {
        if (into is null) return dy.Cast(dtype);
        into.Backend.Copy(dy, into);
        return into;
    }

    // ---- comparisons: piecewise constant, no gradient; results do not require grad -------------
    public Variable Eq(Variable b) => new(Data.Eq(b.Data));
    public Variable Ne(Variable b) => new(Data.Ne(b.Data));
    public Variable Lt(Variable b) => new(Data.Lt(b.Data));
    public Variable Le(Variable b) => new(Data.Le(b.Data));
    public Variable Gt(Variable b) => new(Data.Gt(b.Data));
    public Variable Ge(Variable b) => new(Data.Ge(b.Data));
    public Variable Gt(double s) => new(Data.Apply(BinaryOp.Gt, s));
    public Variable Lt(double s) => new(Data.Apply(BinaryOp.Lt, s));

    /// <summary>condition != 0 ? a : b, broadcasting all three; the condition gets no gradient.</summary>
    public static Variable Where(Variable condition, Variable a, Variable b) =>
        Tape.Record("Where", Tensor.Where(condition.Data, a.Data, b.Data), [a, b], saved: [condition.Data.Alias()],
            (dy, n) => Broadcasting.SumTo(Masked(n.Saved[0], dy, keep: true), a.Shape),
            (dy, n) => Broadcasting.SumTo(Masked(n.Saved[0], dy, keep: false), b.Shape));

    // dy where the condition holds (keep) or fails (!keep), zero elsewhere.
    private static Tensor Masked(Tensor condition, Tensor dy, bool keep)
    {
        var zero = Tensor.Scalar(0, dy.DType, dy.Backend);
        return keep ? Tensor.Where(condition, dy, zero) : Tensor.Where(condition, zero, dy);
    }

    public static Variable operator +(Variable a, Variable b) => a.Add(b);
    public static Variable operator -(Variable a, Variable b) => a.Sub(b);
    public static Variable operator *(Variable a, Variable b) => a.Mul(b);
    public static Variable operator /(Variable a, Variable b) => a.Div(b);
    public static Variable operator -(Variable a) => a.Neg();
    public static Variable operator +(Variable a, double s) => a.Add(s);
    public static Variable operator -(Variable a, double s) => a.Sub(s);
    public static Variable operator *(Variable a, double s) => a.Mul(s);
    public static Variable operator /(Variable a, double s) => a.Div(s);
    public static Variable operator +(double s, Variable a) => a.Add(s);
    public static Variable operator -(double s, Variable a) => a.Neg().Add(s);
    public static Variable operator *(double s, Variable a) => a.Mul(s);
}
