// What one forward pass of DeepSeekMoe gives: logits, the losses as Variables (so the caller can
// call Backward on the objective), and each MoE layer's routing (loads, top-K' picks, scores).
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Moe;

namespace MoeFromScratch.Model;

/// <param name="Logits">(B, T, V).</param>
/// <param name="Loss">The objective LM + Σ_layers aux_l; null without targets.</param>
/// <param name="LmLoss">Mean next-token cross-entropy; null without targets.</param>
/// <param name="AuxLoss">Σ over MoE layers of the balance losses (scalar; 0 without MoE layers or outside training).</param>
/// <param name="MoeLayers">One entry per MoE layer, in layer order.</param>
public sealed record DeepSeekMoeOutput(Variable Logits, Variable? Loss, Variable? LmLoss, Variable AuxLoss, IReadOnlyList<LayerRouting> MoeLayers);

/// <summary>The MoE output of layer Layer.</summary>
public sealed record LayerRouting(int Layer, MoeOutput Output);
