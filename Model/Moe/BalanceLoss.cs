// The balance losses of DeepSeekMoE, as functions of one MoE layer's routing: the softmax scores
// s (B, T, E) over the routed experts and the top-K' indices (B, T, K) the router picked.
//   expert level (eq. 12-14):  L_ExpBal = α1 · Σ_i f_i · P_i
//       f_i = E / (K·T) · Σ_t 1(token t selects expert i)    counted on the device: no gradient
//       P_i = 1/T · Σ_t s_{i,t}                               the only path for the gradient
//   device level (eq. 15-17):  L_DevBal = α2 · Σ_d f'_d · P'_d over D equal groups of experts
//       f'_d = mean_{j ∈ E_d} f_j,   P'_d = Σ_{j ∈ E_d} P_j
// With perSequence (the official seq_aux = true) the T tokens are those of one sequence and the
// loss is averaged over the B sequences; otherwise T = B·T tokens of the whole batch. Uniform
// routing gives exactly α (f = 1, P = 1/E). Each MoE layer adds its own loss; the training
// objective SUMS them over layers (not a mean). Follows the official MoEGate.forward of
// modeling_deepseek.py for eq. 12-14; eq. 15-17 are not in that code and follow the paper.
// On P ranks (a world given), each holding B/P of the batch: with perSequence nothing changes (a
// rank's sequences are whole); without it f counts the selections of ALL ranks' tokens (an all-
// reduce of the counts), so each rank's loss is α·Σ f_i·P_i(its tokens) and the mean over the
// ranks — what the trainer reports and differentiates — is the single-process loss. The counts are
// a compare of the indices against 0..E-1 summed over the tokens, O(N·K·E), with no read-back; only
// that all-reduce over ranks takes them to the host and back.
using MoeFromScratch.Autograd;
using MoeFromScratch.Distributed;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public static class BalanceLoss
{
    /// <summary>L_ExpBal (eq. 12): scores (B, T, E), topIndices int32 (B, T, K) -> scalar.</summary>
    public static Variable Expert(Variable scores, Tensor topIndices, double alpha, bool perSequence, ICommunicator? world = null)
    {
        var (f, p) = Frequencies(scores, topIndices, perSequence, world);  // (G, E) constant, (G, E)
        return (p * f).Sum(1).Mean() * alpha;                        // eq. 12, averaged over the G groups of tokens
    }

    /// <summary>L_DevBal (eq. 15): the routed experts split into deviceGroups equal, consecutive groups.</summary>
    public static Variable Device(Variable scores, Tensor topIndices, double alpha, int deviceGroups, bool perSequence, ICommunicator? world = null)
    {
        int E = scores.Shape[^1];
        if (deviceGroups < 1 || E % deviceGroups != 0)
            throw new ArgumentException($"BalanceLoss.Device: {deviceGroups} device groups do not split {E} experts evenly");
        var (f, p) = Frequencies(scores, topIndices, perSequence, world);
        int G = p.Shape[0], D = deviceGroups;
        var fDevice = f.Reshape(G, D, E / D).Mean(2);               // eq. 16: (G, E) -> (G, D)
        var pDevice = p.Reshape(G, D, E / D).Sum(2);                // eq. 17: (G, E) -> (G, D)
        return (pDevice * fDevice).Sum(1).Mean() * alpha;           // eq. 15
    }

    // f (eq. 13) and P (eq. 14) per group of tokens: one group per sequence, or one for the batch.
    private static (Variable F, Variable P) Frequencies(Variable scores, Tensor topIndices, bool perSequence, ICommunicator? world)
    {
        if (scores.Rank != 3 || topIndices.Rank != 3 || topIndices.Shape[0] != scores.Shape[0] || topIndices.Shape[1] != scores.Shape[1])
            throw new ShapeException($"BalanceLoss: scores {Shape.Format(scores.Shape)} must be (B, T, E) and indices {Shape.Format(topIndices.Shape)} (B, T, K)");
        int B = scores.Shape[0], T = scores.Shape[1], E = scores.Shape[2], K = topIndices.Shape[2];
        int G = perSequence ? B : 1, tokens = B * T / G;

        var backend = scores.Backend;
        using var picked = topIndices.Reshape(G, tokens * K, 1);                   // (B, T, K) -> (G, T·K, 1): sequence-major
        using var ids = picked.Cast(scores.DType);
        using var experts = Tensor.Arange(E, scores.DType, backend);               // (E)
        using var selected = ids.Eq(experts);                                       // (G, T·K, E) 1 where a selection picks e
        var counts = selected.Sum(1);                                               // (G, E) selections per group and expert
        long counted = tokens;
        if (!perSequence && world is { Size: > 1 })
        {
            var f = counts.ToDoubleArray();                          // MPI only: the counts to the host and back
            world.AllReduce<double>(f, AllReduceOp.Sum);             // the batch is every rank's tokens
            counted *= world.Size;
            counts.Dispose();
            using var fHost = Tensor.FromArray(f, [G, E]);
            counts = fHost.To(backend, scores.DType);
        }
        using (counts)
        {
            var fConstant = new Variable(counts.Mul((double)E / (K * counted))); // eq. 13: E/(K·T) per selection; a decision: no gradient
            var p = scores.Reshape(G, tokens, E).Mean(1);            // eq. 14: (G, T, E) -> (G, E)
            return (fConstant, p);
        }
    }
}
