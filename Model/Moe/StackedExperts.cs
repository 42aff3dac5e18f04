// StackedExperts: the E routed experts of a MoE layer stored as three stacked weights so that ONE
// grouped GEMM per projection runs every expert on its block of rows (rows sorted by expert):
//   gate (E, C, I), up (E, C, I), down (E, I, C) — [in, out] per expert, so x_e @ w[e] works.
//   FFN_e(x) = (silu(x @ gate[e]) * (x @ up[e])) @ down[e]        the SwiGLU of Expert.cs, eq. 9
// Checkpoint mapping, stated and implemented here only (MoeLayer.OfficialTensors, ModelWeights and
// docs/architecture.md point here): the official per-expert weights are [out, in], so
//   mlp.experts.{e}.gate_proj.weight [I, C] = gate[e]ᵀ
//   mlp.experts.{e}.up_proj.weight   [I, C] = up[e]ᵀ
//   mlp.experts.{e}.down_proj.weight [C, I] = down[e]ᵀ
// ToOfficial / FromOfficial do that transpose for one expert of one projection.
// Not here: routing or dispatch (ExpertDispatch.cs); the shared experts (one fused Expert).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public static class StackedExperts
{
    /// <summary>xp (N·K', C) sorted by expert, offsets (E+1) -> (N·K', C): every expert's SwiGLU in 3 grouped GEMMs.
    /// The stacks are read in the compute dtype (Autograd/Nn/ComputePrecision.cs).</summary>
    public static Variable Forward(Variable xp, Tensor offsets, Variable gate, Variable up, Variable down)
    {
        (gate, up, down) = (ComputePrecision.Cast(gate), ComputePrecision.Cast(up), ComputePrecision.Cast(down));
        var h = Functional.SwiGlu(
            Variable.GroupedMatMul(xp, gate, offsets),                       // (N·K', C) @ (E, C, I) -> (N·K', I)
            Variable.GroupedMatMul(xp, up, offsets));                        // (N·K', C) @ (E, C, I) -> (N·K', I)
        return Variable.GroupedMatMul(h, down, offsets);                     // (N·K', I) @ (E, I, C) -> (N·K', C)
    }

    /// <summary>Expert e of a stacked (E, in, out) weight as the official [out, in] matrix (a new contiguous tensor).</summary>
    public static Tensor ToOfficial(Tensor stacked, int e)
    {
        using var slice = stacked.Select(0, e);                              // (in, out)
        using var transposed = slice.Transpose(0, 1);                        // (out, in) view
        var official = Tensor.Empty(transposed.Shape, stacked.DType, stacked.Backend);
        stacked.Backend.Copy(transposed, official);                          // always a copy, never a view of the weight
        return official;
    }

    /// <summary>Writes the official [out, in] matrix of expert e into a stacked (E, in, out) weight.</summary>
    public static void FromOfficial(Tensor official, Tensor stacked, int e)
    {
        if (stacked.Rank != 3 || official.Rank != 2 || official.Shape[0] != stacked.Shape[2] || official.Shape[1] != stacked.Shape[1])
            throw new ShapeException($"StackedExperts.FromOfficial: official {Shape.Format(official.Shape)} is not [out, in] of stacked {Shape.Format(stacked.Shape)} [E, in, out]");
        using var source = official.To(stacked.Backend, stacked.DType);
        using var slot = stacked.Select(0, e);                               // (in, out) view into the stack
        using var transposed = source.Transpose(0, 1);                       // [out, in] -> (in, out)
        stacked.Backend.Copy(transposed, slot);
    }
}
