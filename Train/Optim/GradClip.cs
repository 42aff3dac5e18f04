// Gradient clipping by the global L2 norm, as torch.nn.utils.clip_grad_norm_: if the norm of all
// gradients taken as one vector exceeds maxNorm, every gradient is scaled by maxNorm / (norm + 1e-6).
// The sum of squares is reduced on the device (one scalar per tensor, added there); ClipGradNorm reads
// it back once. The trainer does not: it hands the device sum to AdamW.Step(Σg², loss, maxNorm),
// which clips and skips on the device (OptimizerGate.cs), and reads the norm only on logging steps. Gradients that AdamW
// packed back to back (Autograd/Nn/GradientBuffer.cs) are squared, summed and scaled as one tensor
// per bucket (Tensor.CoalesceViews), not one per parameter.
// A non-finite norm is returned unchanged and nothing is scaled: the caller decides (the trainer
// skips the step), as PyTorch's error_if_nonfinite=False leaves it to the user.
// On P ranks the norm is the world's (DataParallel.GradNorm) and ClipTo applies it: every rank
// scales by the same coefficient.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Optim;

public static class GradClip
{
    public static double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm = 1.0)
    {
        if (!(maxNorm > 0)) throw new ArgumentException($"ClipGradNorm: max norm {maxNorm}, expected > 0");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        double norm = GlobalNorm(grads);
        ClipTo(grads, norm, maxNorm);
        return norm;
    }

    /// <summary>Scales the gradients by maxNorm / (norm + 1e-6) when below 1, for a norm computed elsewhere (the world's).</summary>
    public static void ClipTo(IReadOnlyList<Tensor> grads, double norm, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentException($"ClipGradNorm: max norm {maxNorm}, expected > 0");
        double coefficient = maxNorm / (norm + 1e-6);
        if (!double.IsFinite(norm) || coefficient >= 1) return;
        using var scope = new TensorScope();
        foreach (var g in Tensor.CoalesceViews(grads))           // a packed bucket (GradientBuffer) is one pass
            g.Backend.BinaryScalar(BinaryOp.Mul, g, g.DType.Round(coefficient), g);   // in place: the Grad buffers live on
    }

    /// <summary>‖(t_1, …, t_n)‖₂ of the tensors taken as one vector; the sums stay on the device.</summary>
    public static double GlobalNorm(IReadOnlyCollection<Tensor> tensors) => Math.Sqrt(SumOfSquares(tensors));

    /// <summary>Σ t² over every element of the tensors; the sums stay on the device, one read-back.</summary>
    public static double SumOfSquares(IReadOnlyCollection<Tensor> tensors)
    {
        if (tensors.Count == 0) return 0;
        using var total = SumOfSquaresOnDevice(tensors);
        return total.Item();                                    // the one read-back
    }

    /// <summary>Σ t² over every element of the (non-empty list of) tensors as a () tensor on their device; nothing is read back. The caller owns it.</summary>
    public static Tensor SumOfSquaresOnDevice(IReadOnlyCollection<Tensor> tensors)
    {
        if (tensors.Count == 0) throw new ArgumentException("SumOfSquares: no tensors");
        using var scope = new TensorScope();
        Tensor? total = null;
        foreach (var t in Tensor.CoalesceViews(tensors))        // a packed bucket (GradientBuffer) is one tensor
        {
            var squares = SumInRows(t.Square());                // () sum of t², on the device
            total = total is null ? squares : total.Add(squares);
        }
        return scope.Keep(total!);
    }

    /// <summary>
    /// Σ v over a 1-D v in two levels, rows of RowLength then the row sums: a float32 sum's error grows
    /// with the run one accumulator sees (a packed bucket is millions long, a parameter was thousands),
    /// and a GPU gets a workgroup per row instead of one for the whole bucket.
    /// </summary>
    private static Tensor SumInRows(Tensor v)
    {
        const int RowLength = 4096;
        int rows = (int)(v.Numel / RowLength), body = rows * RowLength;
        if (rows < 2) return v.Sum();
        var total = v.Narrow(0, 0, body).Reshape(rows, RowLength).Sum(1).Sum();   // (rows, 4096) -> (rows) -> ()
        return body == v.Numel ? total : total.Add(v.Narrow(0, body, (int)v.Numel - body).Sum());
    }
}
