// ActivationEstimate: bytes the forward pass of a DeepSeekMoE model leaves alive for the backward
// pass, from the config (B, T known). Every op output stays alive until the step ends (the step's
// TensorScope holds each Variable, and each tape node holds its inputs and output), so this counts
// every op output plus the extra tensors ops save (RMSNorm's rstd, routing indices), 4 bytes each
// (float32 and int32 alike). Per token, N = B·T tokens:
//   embedding                     C
//   attention block (each layer)  norm C + rstd 1, q k v 3C, RoPE'd q k 2C, o_proj C, residual C,
//                                 and then, composed: scores, scaled, masked, probs 4·NH·T,
//                                 att·v C, heads made contiguous C           = 10C + 1 + 4·NH·T
//                                 or fused (IBackend.HasFusedAttention): out C, lse NH
//                                                                           = 9C + 1 + NH
//   dense FFN (width I)           norm C + 1, gate up and their SwiGLU product 3I (the fused
//                                 SwiGlu keeps no silu), down C, residual C  = 3C + 1 + 3I
//   MoE layer                     norm C + 1, residual C,
//                                 shared experts (S > 0) 3·S·Is + C and shared + routed C,
//                                 router logits and probs 2E and top-K values and indices 2K
//                                 (renormalised gates, GShard: sums 1 and gates K; hash
//                                 routing: constant gates and indices 2K instead),
//                                 gathered rows K·C and the inverse index K, per copy gate up
//                                 product 3·Is and down C, rows put back in token order K·C
//                                 and that gather's inverse K, weighted by the gates K·C, summed
//                                 over the K choices C
//   head                          norm C + 1, logits V, per-token losses 1  = C + 2 + V
// Per batch, each MoE layer keeps its group offsets, E+1. Left out: the balance-loss tensors,
// (B, E) or smaller, a few per MoE layer, and the loss scalars — under 0.01% of the total for the
// presets (PropertyTests/Training/ActivationEstimateTests.cs counts the real tape against this).
// Not counted either: the backward pass's gradients and temporaries, which come and go.
using MoeFromScratch.Model.Config;

namespace MoeFromScratch.Train.Bench;

public static class ActivationEstimate
{
    /// <summary>
    /// The bytes; OverflowException where they pass long (sizes no machine holds). fusedAttention: the
    /// backend has the fused kernel (no (T, T) matrices on the tape), so pass backend.HasFusedAttention.
    /// </summary>
    public static long Bytes(MoeConfig c, int batch, int seq, bool fusedAttention)
    {
        checked
        {
            long C = c.HiddenSize, NH = c.NumAttentionHeads, T = seq, V = c.VocabSize;
            long perToken = C + (C + 2 + V);                                // embedding; head
            long perBatch = 0;
            for (int l = 0; l < c.NumHiddenLayers; l++)
            {
                perToken += fusedAttention ? 9 * C + 1 + NH : 10 * C + 1 + 4 * NH * T;   // attention block
                if (c.IsMoeLayer(l))
                {
                    long E = c.NRoutedExperts, K = c.NumExpertsPerTok, Is = c.MoeIntermediateSize, S = c.NSharedExperts;
                    perToken += C + 1 + C;                                  // norm, residual
                    if (S > 0) perToken += 3 * S * Is + C + C;              // shared experts, shared + routed
                    if (!c.HasRouter) perToken += 2 * K;                    // hash: constant gates, indices
                    else perToken += 2 * E + 2 * K + (c.NormTopkProb || c.MoeKind == MoeKind.GShard ? 1 + K : 0);
                    perToken += K * C + K + 3 * K * Is + K * C + K * C + K + K * C + C;  // dispatch, experts, combine
                    perBatch += E + 1;                                      // group offsets
                }
                else
                {
                    perToken += 3 * C + 1 + 3L * c.IntermediateSize;
                }
            }
            return 4 * (perToken * batch * seq + perBatch);
        }
    }
}
