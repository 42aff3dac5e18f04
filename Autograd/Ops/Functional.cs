// Functional: the layer-level ops a model is written with, as one-liners over Variable ops, so
// their gradients come free (torch.nn.functional). Modules (Nn/) hold parameters and call these.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public static class Functional
{
    /// <summary>y = x @ weightᵀ + bias; weight is (out, in) as in PyTorch and HF checkpoints.</summary>
    public static Variable Linear(Variable x, Variable weight, Variable? bias = null)
    {
        var y = x.MatMul(weight.MT); // (..., in) @ (in, out) -> (..., out)
        return bias is null ? y : y + bias;
    }

    /// <summary>Rows of weight (V, C) picked by int32 ids of any shape -> (ids..., C).</summary>
    public static Variable Embedding(Tensor ids, Variable weight)
    {
        using var flat = ids.Reshape(-1);
        return weight.IndexSelect(0, flat).Reshape([.. ids.Shape, weight.Shape[1]]);
    }

    /// <summary>SwiGLU (Shazeer 2020): silu(gate) * up, the gated activation of a DeepSeekMoE expert.</summary>
    public static Variable SwiGlu(Variable gate, Variable up) => Variable.SwiGlu(gate, up);

    /// <summary>
    /// Mean cross-entropy of logits (N, V) against int32 targets (N), averaged over the targets
    /// that are not ignoreIndex (PyTorch's reduction="mean"). Reads the targets on the host to count them.
    /// </summary>
    public static Variable CrossEntropy(Variable logits, Tensor targets, int ignoreIndex = -100) =>
        Variable.CrossEntropyLosses(logits, targets, ignoreIndex).Sum() / CountKept(targets, ignoreIndex);

    // Number of targets that are not ignored (at least 1, so an all-ignored batch gives 0, not NaN).
    internal static int CountKept(Tensor targets, int ignoreIndex) =>
        Math.Max(1, targets.ToArray<int>().Count(t => t != ignoreIndex));
}
