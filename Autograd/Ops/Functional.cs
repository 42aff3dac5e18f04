// Functional: the layer-level ops a model is written with, as one-liners over Variable ops, so
// their gradients come free (torch.nn.functional). Modules (Nn/) hold parameters and call these.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public static class Functional
{
    /// <summary>y = x @ weightᵀ + bias; weight is (out, in) as in PyTorch and HF checkpoints.</summary>
    public static Variable Linear(Variable x, Variable weight, Variable? bias = null)
    {
        var y = x.MatMulTransposed(weight); // (..., in) @ (in, out) -> (..., out); the weight's gradient written into its Grad
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
    /// that are not ignoreIndex (PyTorch's reduction="mean"). The kept targets are counted on the
    /// targets' device (KeptCount), so the loss costs no read-back.
    /// </summary>
    public static Variable CrossEntropy(Variable logits, Tensor targets, int ignoreIndex = -100)
    {
        var losses = Variable.CrossEntropyLosses(logits, targets, ignoreIndex);       // (N), float32 for bf16 logits
        return losses.Sum() / new Variable(KeptCount(targets, ignoreIndex, losses.DType));
    }

    /// <summary>
    /// The number of targets (any shape) that are not ignoreIndex, at least 1 (so an all-ignored batch
    /// gives a loss of 0, not NaN), as a () tensor of dtype on the targets' device; nothing is read
    /// back. Counted in dtype: exact while N &lt; 2^24 in float32 (ids below 2^24 cast exactly too).
    /// </summary>
    public static Tensor KeptCount(Tensor targets, int ignoreIndex, DType dtype)
    {
        using var ids = targets.Cast(dtype);
        using var ignored = Tensor.Scalar(ignoreIndex, dtype, targets.Backend);
        using var kept = ids.Ne(ignored);                                              // 1 where the target counts
        using var count = kept.Sum();                                                  // (N) -> ()
        using var one = Tensor.Scalar(1, dtype, targets.Backend);
        return count.Maximum(one);
    }

    // The same count on the host, for the composition that tests the fused path (Composite.CrossEntropy).
    internal static int CountKept(Tensor targets, int ignoreIndex) =>
        Math.Max(1, targets.ToArray<int>().Count(t => t != ignoreIndex));
}
