// Composite: ops that have a fused kernel (Fused.cs) spelled out in primitives. These are the
// readable definitions — the fused ops are tested against them in value and gradient — and they
// run on any backend that has the primitives. Slower: more kernels, more saved tensors.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public static class Composite
{
    // Subtracting the row max keeps exp from overflowing; it does not change the value, and its
    // gradient contribution cancels exactly, so it is detached.
    public static Variable Softmax(Variable x, int axis = -1)
    {
        var e = (x - x.Max(axis, keepDim: true).Detach()).Exp();
        return e / e.Sum(axis, keepDim: true);
    }

    public static Variable LogSoftmax(Variable x, int axis = -1)
    {
        var shifted = x - x.Max(axis, keepDim: true).Detach();
        return shifted - shifted.Exp().Sum(axis, keepDim: true).Log();
    }

    public static Variable Silu(Variable x) => x * x.Sigmoid();

    /// <summary>SwiGLU's gating as the SiLU kernel then a product (what Variable.SwiGlu fuses).</summary>
    public static Variable SwiGlu(Variable gate, Variable up) => gate.Silu() * up;

    /// <summary>x / sqrt(mean(x², last axis) + eps) * weight.</summary>
    public static Variable RmsNorm(Variable x, Variable weight, double eps) =>
        x * (x.Square().Mean(-1, keepDim: true) + eps).Rsqrt() * weight;

    /// <summary>
    /// softmax(q kᵀ / √HS + mask) v with the whole (T, TK) score matrix: q (B, T, NH, HS), k and v
    /// (B, TK, NH, HS), mask additive (0 or −∞), broadcastable to (B, NH, T, TK). The oracle of the fused
    /// Variable.Attention, and the path of masks other than plain causal (packed rows' segments).
    /// </summary>
    public static Variable Attention(Variable q, Variable k, Variable v, Variable mask)
    {
        var qh = q.Transpose(1, 2);                                              // (B, NH, T, HS)
        var kh = k.Transpose(1, 2);                                              // (B, NH, TK, HS)
        var vh = v.Transpose(1, 2);                                              // (B, NH, TK, HS)
        var scores = qh.MatMul(kh.MT) * (1.0 / Math.Sqrt(q.Shape[3]));           // (B, NH, T, HS) @ (B, NH, HS, TK) -> (B, NH, T, TK)
        var att = (scores + mask).Softmax(-1);                                   // -inf where masked: (B, NH, T, TK)
        return att.MatMul(vh).Transpose(1, 2).Contiguous();                      // (B, NH, T, HS) -> (B, T, NH, HS)
    }

    /// <summary>Plain causal Attention: query t (at position TK − T + t) sees keys 0..TK − T + t. The fused op's oracle.</summary>
    public static Variable CausalAttention(Variable q, Variable k, Variable v)
    {
        int T = q.Shape[1], TK = k.Shape[1];
        var mask = new double[(long)T * TK];                                    // (T, TK): 0, or −∞ above the shifted diagonal
        for (int t = 0; t < T; t++)
            mask.AsSpan(t * TK + TK - T + t + 1, T - t - 1).Fill(double.NegativeInfinity);
        using var onHost = Tensor.FromArray(mask, [T, TK]);
        return Attention(q, k, v, new Variable(onHost.To(q.Backend, q.DType)));
    }

    /// <summary>Mean of -log softmax(logits)[target] over rows whose target is not ignoreIndex.</summary>
    public static Variable CrossEntropy(Variable logits, Tensor targets, int ignoreIndex = -100)
    {
        var ids = targets.ToArray<int>();
        int n = ids.Length;
        using var safe = Tensor.FromArray(ids.Select(t => t == ignoreIndex ? 0 : t).ToArray(), [n, 1], logits.Backend);
        var keep = new Variable(Constant(ids.Select(t => t == ignoreIndex ? 0.0 : 1.0).ToArray(), logits)); // 1 for rows that count
        var picked = LogSoftmax(logits).Gather(1, safe).Reshape(n); // (N, V) -> (N)
        return -(picked * keep).Sum() / Functional.CountKept(targets, ignoreIndex);
    }

    // Host values as a tensor on like's backend in like's dtype.
    private static Tensor Constant(double[] values, Variable like) => like.DType == DType.Float64
        ? Tensor.FromArray(values, [values.Length], like.Backend)
        : Tensor.FromArray(Array.ConvertAll(values, v => (float)v), [values.Length], like.Backend);
}
