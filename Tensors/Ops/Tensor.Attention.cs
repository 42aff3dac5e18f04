// Fused causal attention as Tensor ops: the shape checks and output allocation around
// IBackend.AttentionForward / AttentionBackward. Only on a backend with HasFusedAttention; the
// composition (MatMul, additive mask, Softmax, MatMul) is the caller's fallback and the tests' oracle.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Causal softmax(q kᵀ / √HS) v without the (T, TK) scores. q: (B, T, NH, HS); k, v: (B, TK, NH, HS),
    /// TK ≥ T, query t at position TK − T + t (TK > T: a KV cache holds the earlier positions).
    /// Returns out (B, T, NH, HS) and lse (B, NH, T), the log-sum-exp of each row, for the backward.
    /// </summary>
    public static (Tensor Output, Tensor Lse) Attention(Tensor q, Tensor k, Tensor v)
    {
        CheckAttention("Attention", q, k, v);
        int B = q.Shape[0], T = q.Shape[1], NH = q.Shape[2];
        var output = Empty(q.Shape, q.DType, q.Backend);
        var lse = Empty([B, NH, T], StatisticsDType(q.DType), q.Backend);
        if (output.Numel > 0) q.Backend.AttentionForward(q, k, v, output, lse);
        return (output, lse);
    }

    /// <summary>Gradients of Attention from dout (B, T, NH, HS): (dq, dk, dv) shaped like q, k, v.</summary>
    public static (Tensor Dq, Tensor Dk, Tensor Dv) AttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse)
    {
        CheckAttention("AttentionBackward", q, k, v);
        foreach (var t in new[] { dout, output })
        {
            CheckCompatible("AttentionBackward", q, t);
            if (!Tensors.Shape.SameShape(t.Shape, q.Shape))
                throw new ShapeException($"AttentionBackward: {Tensors.Shape.Format(t.Shape)} does not match q {Tensors.Shape.Format(q.Shape)}");
        }
        CheckStatistics("AttentionBackward", q, lse);
        var dq = Empty(q.Shape, q.DType, q.Backend);
        var dk = Empty(k.Shape, k.DType, k.Backend);
        var dv = Empty(v.Shape, v.DType, v.Backend);
        if (dq.Numel > 0) q.Backend.AttentionBackward(dout, q, k, v, output, lse, dq, dk, dv);
        else
        {
            dk.Backend.Fill(dk, 0);
            dv.Backend.Fill(dv, 0);
        }
        return (dq, dk, dv);
    }

    private static void CheckAttention(string op, Tensor q, Tensor k, Tensor v)
    {
        CheckCompatible(op, q, k);
        CheckCompatible(op, q, v);
        if (!q.Backend.HasFusedAttention)
            throw new NotSupportedException($"{op}: {q.Backend.Name} has no fused attention kernel; compose it from MatMul and Softmax");
        bool fits = q.Rank == 4 && k.Rank == 4 && Tensors.Shape.SameShape(k.Shape, v.Shape)
            && k.Shape[0] == q.Shape[0] && k.Shape[2] == q.Shape[2] && k.Shape[3] == q.Shape[3] && k.Shape[1] >= q.Shape[1];
        if (!fits)
            throw new ShapeException($"{op}: q {Tensors.Shape.Format(q.Shape)}, k {Tensors.Shape.Format(k.Shape)}, v {Tensors.Shape.Format(v.Shape)} "
                + "do not fit (B, T, NH, HS) and (B, TK, NH, HS) with TK ≥ T");
    }
}
