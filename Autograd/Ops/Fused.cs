// Ops backed by one fused kernel each, with the kernel's own backward:
//   Softmax, LogSoftmax   backward written here in two lines of Tensor ops
//   RmsNorm               RmsNormBackward kernel (dx and dweight together)
//   Rope                  the inverse rotation (a rotation's gradient is its transpose)
//   Attention             AttentionBackward kernel (recomputes P from q, k and the saved lse)
//   CrossEntropyLosses    CrossEntropyBackward kernel
//   SwiGlu                silu(gate)·up in one pass (BinaryOp.SiluMul); backward two passes and a product
// Composite.cs spells each out in primitives; the tests check the two agree in value and gradient.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public partial class Variable
{
    // y = softmax(x):  dx = y * (dy - Σ dy·y)   (the sum along the softmax axis)
    public Variable Softmax(int axis = -1) => Tape.Record("Softmax", Data.Softmax(axis), [this],
        (dy, n) => n.Y * (dy - (dy * n.Y).Sum(axis, keepDim: true)));

    // y = log softmax(x):  dx = dy - softmax(x) * Σ dy
    public Variable LogSoftmax(int axis = -1) => Tape.Record("LogSoftmax", Data.LogSoftmax(axis), [this],
        (dy, n) => dy - n.Y.Exp() * dy.Sum(axis, keepDim: true));

    // y = silu(g)·u (one pass; Composite.SwiGlu is the Silu-then-Mul it replaces):
    //   dg = dy·u·silu'(g)   (SiluGrad of g against dy·u)
    //   du = dy·silu(g)      (SiluMul of g against dy)
    /// <summary>SwiGLU's gating silu(gate)·up, gate and up of one shape (Shazeer 2020).</summary>
    public static Variable SwiGlu(Variable gate, Variable up)
    {
        if (!Tensors.Shape.SameShape(gate.Shape, up.Shape))
            throw new ShapeException($"SwiGlu: gate {Tensors.Shape.Format(gate.Shape)} and up {Tensors.Shape.Format(up.Shape)} differ");
        return Tape.Record("SwiGlu", Tensor.Apply(BinaryOp.SiluMul, gate.Data, up.Data), [gate, up],
            (dy, n) =>
            {
                using var dyUp = dy.Mul(n.X[1]);
                return Tensor.Apply(BinaryOp.SiluGrad, n.X[0], dyUp);
            },
            (dy, n) => Tensor.Apply(BinaryOp.SiluMul, n.X[0], dy));
    }

    /// <summary>RMSNorm over the last axis: x / sqrt(mean(x²) + eps) * weight (Zhang & Sennrich 2019).</summary>
    public Variable RmsNorm(Variable weight, double eps)
    {
        var (y, rstd) = Data.RmsNorm(weight.Data, eps);
        return Tape.Record("RmsNorm", y, [this, weight], saved: [rstd], (dy, n) =>
        {
            var (dx, dweight) = Tensor.RmsNormBackward(dy, n.X[0], n.X[1], n.Saved[0], n.Destination(1));   // dweight into Grad when offered
            return [n.Needs(0) ? dx : null, n.Needs(1) ? dweight : null];
        });
    }

    /// <summary>Rotate-half RoPE on (B, T, NH, HS) starting at position positionOffset.</summary>
    public Variable Rope(int positionOffset, double theta) =>
        Tape.Record("Rope", Data.Rope(positionOffset, theta), [this],
            (dy, n) => dy.Rope(positionOffset, theta, inverse: true));

    /// <summary>
    /// Causal attention softmax(q kᵀ / √HS) v, fused (no (T, TK) scores, on the tape either): q (B, T, NH, HS),
    /// k and v (B, TK, NH, HS), query t at position TK − T + t. A backend without HasFusedAttention gets
    /// the composition, Composite.CausalAttention, which is also the oracle the fused op is tested against.
    /// </summary>
    public static Variable Attention(Variable q, Variable k, Variable v)
    {
        if (!q.Backend.HasFusedAttention) return Composite.CausalAttention(q, k, v);
        var (output, lse) = Tensor.Attention(q.Data, k.Data, v.Data);
        return Tape.Record("Attention", output, [q, k, v], saved: [lse], (dout, n) =>
        {
            var (dq, dk, dv) = Tensor.AttentionBackward(dout, n.X[0], n.X[1], n.X[2], n.Y, n.Saved[0]);
            return [n.Needs(0) ? dq : null, n.Needs(1) ? dk : null, n.Needs(2) ? dv : null];
        });
    }

    /// <summary>Per-row cross-entropy of logits (N, V) against int32 targets (N); ignored rows give 0.</summary>
    public static Variable CrossEntropyLosses(Variable logits, Tensor targets, int ignoreIndex = -100) =>
        Tape.Record("CrossEntropy", Tensor.CrossEntropy(logits.Data, targets, ignoreIndex), [logits], saved: [targets.Alias()],
            (dy, n) => Tensor.CrossEntropyBackward(n.X[0], n.Saved[0], dy, ignoreIndex));
}
