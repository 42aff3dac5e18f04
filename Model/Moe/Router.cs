// Router: the learned gate of a MoE layer — which K' routed experts each token uses, and with
// what weight (eq. 10-11). Serves deepseek, gshard and switch alike; only k and renormalisation differ.
//   s_{i,t} = Softmax_i(u_tᵀ e_i)                      eq. 10, over the E routed experts only
//   g_{i,t} = s_{i,t} if s_{i,t} ∈ TopK'({s_{j,t}})      eq. 11 (NOT renormalised unless asked)
// Not here: the fixed hash router (HashRouter.cs), the experts, the balance loss (BalanceLoss.cs).
// Follows MoEGate.forward of the official modeling_deepseek.py: its one weight is `mlp.gate.weight`
// [E, C], so a member named Gate of this type gives exactly that name.
// Precision: the router always computes in float32 (float64 in a float64 model; ComputePrecision.Wide),
// its weight and the tokens widened first, as the official MoEGate computes its logits in float32: the scores decide
// which experts run, and bf16's 8-bit mantissa would tie or swap near-equal scores (of E = 64 softmax
// scores near 1/64, neighbours differ by less than bf16's step there), so rounding would change the
// routing itself, not only its values. The balance losses read these float32 scores too.
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

/// <summary>One routing decision for N tokens.</summary>
/// <param name="Gates">(N, K) g of the chosen experts, best first; differentiable back to the router.</param>
/// <param name="Indices">(N, K) int32 the chosen routed experts, distinct per token.</param>
/// <param name="Scores">(N, E) softmax s (eq. 10); null for routers without scores (hash).</param>
public sealed record Routing(Variable Gates, Tensor Indices, Variable? Scores);

public sealed class Router : Module
{
    public Router(int hidden, int experts, double initStd, ulong seed, IBackend backend, DType dtype)
    {
        Weight = Init.Normal([experts, hidden], initStd, seed, backend, dtype);
    }

    /// <summary>(E, C): row i is the expert's centroid e_i of eq. 10.</summary>
    public Parameter Weight { get; }

    /// <param name="u">(N, C) the tokens.</param>
    /// <param name="k">K': routed experts per token.</param>
    /// <param name="renormalize">Divide the K' gates by their sum (norm_topk_prob; GShard). DeepSeekMoE: false.</param>
    /// <param name="disabledTop">§5.1 redundancy test: mask each token's top-m experts, pick K' from the rest.</param>
    public Routing Forward(Variable u, int k, bool renormalize, int disabledTop = 0)
    {
        int E = Weight.Shape[0];
        if (k < 1 || disabledTop < 0 || k + disabledTop > E)
            throw new ArgumentException($"Router: {k} active experts after disabling the top {disabledTop} do not fit in {E} routed experts");
        var scores = Functional.Linear(Widened(u), Widened(Weight)).Softmax(-1); // (N, C) @ (C, E) -> (N, E), eq. 10, in float32
        var candidates = disabledTop == 0 ? scores : WithoutTop(scores, disabledTop);
        var (gates, indices) = candidates.TopK(k);                          // (N, E) -> (N, K), eq. 11
        if (renormalize) gates = gates / gates.Sum(-1, keepDim: true);      // norm_topk_prob
        return new Routing(gates, indices, scores);
    }

    private static Variable Widened(Variable x) => x.DType == ComputePrecision.Wide(x.DType) ? x : x.Cast(ComputePrecision.Wide(x.DType));

    // The masked experts' scores become -1, below any softmax score, so top-K' comes from the rest;
    // the others keep their original score, which is then their gate (as in the paper's §5.1).
    private static Variable WithoutTop(Variable scores, int m)
    {
        var (topValues, top) = scores.Data.TopK(m);                          // (N, m) each token's best m
        using var _ = topValues;
        using var __ = top;
        using var ones = Tensor.Ones(top.Shape, scores.DType, scores.Backend);
        using var zeros = Tensor.ZerosLike(scores.Data);
        using var mask = zeros.ScatterAdd(-1, top, ones);                    // (N, E) 1 where masked
        var masked = new Variable(Tensor.Scalar(-1, scores.DType, scores.Backend));
        return Variable.Where(new Variable(mask.Alias()), masked, scores);
    }
}
