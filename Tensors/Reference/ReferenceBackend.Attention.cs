// Reference fused causal attention: the definition the CPU tiles and the shaders are tested against,
// one query row at a time, the whole row of scores in double. It is deliberately not tiled and
// keeps no running max: the row is small enough to hold, and holding it is the obvious way.
// The backward is the softmax-attention gradient written with the forward's lse, so P is
// recomputed from q and k exactly as the fused kernels recompute it (FlashAttention-2, Dao 2023,
// Algorithm 2): with D_t = Σ_d dO[t, d] · O[t, d],
//   P_j = exp(s_j − lse_t),  dP_j = dO_t · v_j,  dS_j = P_j · (dP_j − D_t)
//   dq_t = Σ_j dS_j · k_j / √HS,  dk_j = Σ_t dS_j · q_t / √HS,  dv_j = Σ_t P_j · dO_t
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    public bool HasFusedAttention => true;

    /// <summary>
    /// For every (b, h, t), at position pos = TK − T + t: s_j = scale · Σ_d q[b, t, h, d] · k[b, j, h, d]
    /// for keys j = 0..pos, lse = log Σ_j exp(s_j), out[b, t, h, d] = Σ_j exp(s_j − lse) · v[b, j, h, d].
    /// </summary>
    public void AttentionForward(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse)
    {
        var (B, T, NH, HS, TK) = AttentionSizes(q, k);
        double scale = 1 / Math.Sqrt(HS);
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++)
                for (int t = 0; t < T; t++)
                {
                    double[] s = Scores(q, k, b, h, t, TK - T + t, scale);   // (pos + 1) scores of row t
                    double max = s.Max(), sum = s.Sum(x => Math.Exp(x - max));
                    double rowLse = max + Math.Log(sum);
                    Set(lse, [b, h, t], rowLse);
                    for (int d = 0; d < HS; d++)
                    {
                        double o = 0;
                        for (int j = 0; j < s.Length; j++) o += Math.Exp(s[j] - rowLse) * Get(v, [b, j, h, d]);
                        Set(output, [b, t, h, d], o);
                    }
                }
    }

    public void AttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dq, Tensor dk, Tensor dv)
    {
        var (B, T, NH, HS, TK) = AttentionSizes(q, k);
        double scale = 1 / Math.Sqrt(HS);
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++)
            {
                var dkSum = new double[TK, HS];   // dk, dv of this head summed over every query
                var dvSum = new double[TK, HS];
                for (int t = 0; t < T; t++)
                {
                    double[] s = Scores(q, k, b, h, t, TK - T + t, scale);
                    double rowLse = Get(lse, [b, h, t]), D = 0;
                    for (int d = 0; d < HS; d++) D += Get(dout, [b, t, h, d]) * Get(output, [b, t, h, d]);
                    var dqRow = new double[HS];
                    for (int j = 0; j < s.Length; j++)
                    {
                        double P = Math.Exp(s[j] - rowLse), dP = 0;
                        for (int d = 0; d < HS; d++) dP += Get(dout, [b, t, h, d]) * Get(v, [b, j, h, d]);
                        double dS = P * (dP - D);
                        for (int d = 0; d < HS; d++)
                        {
                            dqRow[d] += dS * Get(k, [b, j, h, d]) * scale;
                            dkSum[j, d] += dS * Get(q, [b, t, h, d]) * scale;
                            dvSum[j, d] += P * Get(dout, [b, t, h, d]);
                        }
                    }
                    for (int d = 0; d < HS; d++) Set(dq, [b, t, h, d], dqRow[d]);
                }
                for (int j = 0; j < TK; j++)
                    for (int d = 0; d < HS; d++)
                    {
                        Set(dk, [b, j, h, d], dkSum[j, d]);
                        Set(dv, [b, j, h, d], dvSum[j, d]);
                    }
            }
    }

    /// <summary>s_j = scale · q[b, t, h] · k[b, j, h] for the keys j = 0..position that query t may see.</summary>
    private static double[] Scores(Tensor q, Tensor k, int b, int h, int t, int position, double scale)
    {
        var s = new double[position + 1];
        for (int j = 0; j <= position; j++)
            for (int d = 0; d < q.Shape[3]; d++)
                s[j] += Get(q, [b, t, h, d]) * Get(k, [b, j, h, d]) * scale;
        return s;
    }

    private static (int B, int T, int NH, int HS, int TK) AttentionSizes(Tensor q, Tensor k) =>
        (q.Shape[0], q.Shape[1], q.Shape[2], q.Shape[3], k.Shape[1]);
}
