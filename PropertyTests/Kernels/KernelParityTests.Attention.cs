// Parity of the fused causal attention kernels (AttentionForward, AttentionBackward) with the
// reference loops: q (B, T, NH, HS), k and v (B, TK, NH, HS) in any drawn layout, TK ≥ T (a KV
// cache's earlier positions), T = 1 up to past two query tiles and one key tile of the CPU kernel
// (tiles of 32 queries and 64 keys: T in 61..70 is neither a multiple of either, TK up to 80).
// Every backend here has the kernel; one without it (HasFusedAttention false) would have nothing to
// compare, and the model takes the composition there, which the rest of the suite covers.
//
// Error scales. With S = max over (t, j) of Σ_d |q_td k_jd| / √HS (the largest |score| the inputs
// allow) and G = 1 + S: a float32 score is off by about eps · S, so P_tj by about eps · G relative,
// and each output is a sum of such terms times its operands' largest magnitudes:
//   out = Σ_j P_j v_j (Σ_j P_j = 1)                   → G · max|v|
//   lse = max_j s_j + log Σ_j exp(s_j − max)           → G + log TK
//   dv_j = Σ_t P_tj dO_t (T terms, each P ≤ 1)         → G · T · max|dO|
//   dS = P (dO·v − dO·O), |dO·v|, |dO·O| ≤ HS·max|dO|·max|v|, so with W = 2·HS·max|dO|·max|v|:
//   dq_t = Σ_j dS_tj k_j / √HS                          → G · W · max|k| / √HS
//   dk_j = Σ_t dS_tj q_t / √HS (T terms)                → G · T · W · max|q| / √HS
// Bounds over the whole case, not per element: a wrong row or tile is off by O(1) of them, which
// these scales times the dtype's tolerance (1e-5 in float32, 1e-12 in float64) never hide.

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    /// <summary>One drawn attention case: sizes (B, T, NH, HS, TK), its dtype and q, k, v in their drawn layouts.</summary>
    private sealed record AttentionCase(DType DType, int B, int T, int NH, int HS, int TK, Operand Q, Operand K, Operand V);

    /// <summary>
    /// Runs check on the case drawn from raw ints (small B and NH, T and TK past the CPU tiles when
    /// longRows) inside one tensor scope; on a backend without the fused kernel there is nothing to compare.
    /// </summary>
    private void OnAttentionCase(int b, int t, int h, int hs, int extra, bool longRows, FloatType type, Layout layoutQ, Layout layoutK, Layout layoutV, int seed, Action<AttentionCase> check)
    {
        if (!Backend.HasFusedAttention) return;   // see the header
        using var scope = new TensorScope();
        var dtype = DTypeOf(type);
        int T = Size(t, allowEmpty: false) + (longRows ? 60 : 0), B = 1 + Mod(b, 2), NH = 1 + Mod(h, 3), HS = Size(hs, allowEmpty: false);
        int TK = T + Mod(extra, MaxSize + 1);
        check(new AttentionCase(dtype, B, T, NH, HS, TK,
            Input([B, T, NH, HS], dtype, layoutQ, seed), Input([B, TK, NH, HS], dtype, layoutK, seed + 1), Input([B, TK, NH, HS], dtype, layoutV, seed + 2)));
    }

    [Property(MaxTest = Cases)]
    public void AttentionForward(int b, int t, int h, int hs, int extra, bool longRows, FloatType type, Layout layoutQ, Layout layoutK, Layout layoutV, int seed) =>
        OnAttentionCase(b, t, h, hs, extra, longRows, type, layoutQ, layoutK, layoutV, seed, c =>
        {
            var (expected, actual) = Run((backend, on, outputs) => backend.AttentionForward(on(c.Q), on(c.K), on(c.V), outputs[0], outputs[1]),
                ([c.B, c.T, c.NH, c.HS], c.DType), ([c.B, c.NH, c.T], Tensor.StatisticsDType(c.DType)));   // lse float32 for bf16 q
            double g = 1 + MaxAbsScore(c.Q.Reference, c.K.Reference);
            string context = Describe(("q", c.Q), ("k", c.K), ("v", c.V)) + $"; TK {c.TK}";
            Check("AttentionForward out", context, actual[0], expected[0], Tensor.Full(actual[0].Shape, g * MaxAbs(c.V.Reference), DType.Float64, Reference));
            Check("AttentionForward lse", context, actual[1], expected[1], Tensor.Full(actual[1].Shape, g + Math.Log(c.TK), DType.Float64, Reference));
        });

    [Property(MaxTest = Cases)]
    public void AttentionBackward(int b, int t, int h, int hs, int extra, bool longRows, FloatType type, Layout layoutDout, Layout layoutQ, Layout layoutK, int seed) =>
        OnAttentionCase(b, t, h, hs, extra, longRows, type, layoutQ, layoutK, Layout.Contiguous, seed, c =>
        {
            int B = c.B, T = c.T, NH = c.NH, HS = c.HS, TK = c.TK;
            var dout = Input([B, T, NH, HS], c.DType, layoutDout, seed + 3);
            using var savedOut = Tensor.Empty([B, T, NH, HS], DType.Float64, Reference);
            using var savedLse = Tensor.Empty([B, NH, T], DType.Float64, Reference);
            Reference.AttentionForward(c.Q.Reference, c.K.Reference, c.V.Reference, savedOut, savedLse);
            var output = FromReference(savedOut, c.DType);               // both sides get the same saved forward
            var lse = FromReference(savedLse, Tensor.StatisticsDType(c.DType));
            var (expected, actual) = Run((backend, on, grads) => backend.AttentionBackward(
                    on(dout), on(c.Q), on(c.K), on(c.V), on(output), on(lse), grads[0], grads[1], grads[2]),
                ([B, T, NH, HS], c.DType), ([B, TK, NH, HS], c.DType), ([B, TK, NH, HS], c.DType));
            double g = 1 + MaxAbsScore(c.Q.Reference, c.K.Reference), w = 2 * HS * MaxAbs(dout.Reference) * MaxAbs(c.V.Reference);
            string context = Describe(("dout", dout), ("q", c.Q), ("k", c.K)) + $"; TK {TK}";
            Check("AttentionBackward dq", context, actual[0], expected[0], Tensor.Full(actual[0].Shape, g * w * MaxAbs(c.K.Reference) / Math.Sqrt(HS), DType.Float64, Reference));
            Check("AttentionBackward dk", context, actual[1], expected[1], Tensor.Full(actual[1].Shape, g * T * w * MaxAbs(c.Q.Reference) / Math.Sqrt(HS), DType.Float64, Reference));
            Check("AttentionBackward dv", context, actual[2], expected[2], Tensor.Full(actual[2].Shape, g * T * MaxAbs(dout.Reference), DType.Float64, Reference));
        });

    private static double MaxAbs(Tensor x) => x.ToDoubleArray().Max(Math.Abs);

    /// <summary>max over (b, t, h, j) of Σ_d |q[b, t, h, d] · k[b, j, h, d]| / √HS, the largest |score| possible.</summary>
    private static double MaxAbsScore(Tensor q, Tensor k)
    {
        using var qh = q.Abs().Permute([0, 2, 1, 3]);              // (B, NH, T, HS)
        using var kh = k.Abs().Permute([0, 2, 3, 1]);              // (B, NH, HS, TK)
        using var scores = qh.MatMul(kh);                           // (B, NH, T, TK)
        return scores.ToDoubleArray().Max() / Math.Sqrt(q.Shape[3]);
    }
}
