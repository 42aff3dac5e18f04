// MoeOutput: what one MoE feed-forward layer hands back to its block — the output, its balance
// loss, and the routing facts the trainer logs and the analysis reads.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

/// <param name="Y">(B, T, C) Σ shared FFN(u) + Σ g·FFN_i(u) (eq. 9, without the residual, which the block adds).</param>
/// <param name="AuxLoss">Scalar: expert-level (+ device-level) balance loss of this layer; 0 when α = 0 or not training.</param>
/// <param name="ExpertLoad">(E) int32 tokens routed to each routed expert in this forward, on the device (read it: ToArray).</param>
/// <param name="TopIndices">(N, K') int32 chosen routed experts per token, best first.</param>
/// <param name="Scores">(N, E) router softmax s_{i,t} (eq. 10); null for routers without scores (hash).</param>
public sealed record MoeOutput(Variable Y, Variable AuxLoss, Tensor ExpertLoad, Tensor TopIndices, Variable? Scores);

/// <summary>Inference-time routing changes used by the analysis (paper §4.5, §5: redundancy, fewer active experts, no shared expert).</summary>
/// <param name="DisabledTopExperts">Each token's top-m routed experts are masked; top-K' is taken from the rest.</param>
/// <param name="ActiveExperts">K' used instead of the configured num_experts_per_tok (null: as configured).</param>
/// <param name="DisableShared">Drop the K_s shared experts and route each token to K_s more routed experts instead
/// (K' + K_s, or ActiveExperts + K_s): the paper's test of how much the trained model relies on them (1.808 → 2.414).</param>
public sealed record RoutingOverride(int DisabledTopExperts = 0, int? ActiveExperts = null, bool DisableShared = false);
