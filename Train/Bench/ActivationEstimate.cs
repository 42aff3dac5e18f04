// ActivationEstimate: float32 elements the forward pass of a DeepSeekMoE model leaves on the autograd
// tape for the backward pass, counted from the config (B, T known), 4 bytes each. Every op output
// is assumed kept until backward (a tape keeps what its backward closures reference). Per token:
//   embedding                     C
//   attention block (each layer)  norm C, q k v 3C, RoPE'd q k 2C, scores and probs 2·NH·T,
//                                 att·v C, o_proj C, residual C                 = 9C + 2·NH·T
//   dense FFN (width I)           norm C, gate up silu product 4I, down C, residual C = 3C + 4I
//   MoE layer                     norm C, router logits and probs 2E, K gathered copies K·C,
//                                 per copy gate up silu product 4·Is and down C, weighted K·C,
//                                 shared experts 4·S·Is + C, combine C, residual C
//                                 = 4C + 2E + 3K·C + 4K·Is + 4S·Is
//   head                          norm C, logits V, softmax V                    = C + 2V
// An estimate, not a count of the engine's real buffers: fused kernels keep less, layout copies
// (transposes made contiguous) keep more, and transient backward buffers are not counted.
using MoeFromScratch.Model.Config;

namespace MoeFromScratch.Train.Bench;

public static class ActivationEstimate
{
    public static long Bytes(MoeConfig c, int batch, int seq)
    {
        long C = c.HiddenSize, NH = c.NumAttentionHeads, T = seq, V = c.VocabSize;
        long perToken = C + C + 2 * V;                                  // embedding; final norm, logits, softmax
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            perToken += 9 * C + 2 * NH * T;                             // attention block
            if (c.IsMoeLayer(l))
            {
                long E = c.NRoutedExperts, K = c.NumExpertsPerTok, Is = c.MoeIntermediateSize, S = c.NSharedExperts;
                perToken += 4 * C + 2 * E + 3 * K * C + 4 * K * Is + 4 * S * Is;
            }
            else
            {
                perToken += 3 * C + 4L * c.IntermediateSize;
            }
        }
        return 4 * perToken * batch * seq;
    }
}
