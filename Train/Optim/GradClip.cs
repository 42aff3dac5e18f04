// Gradient clipping by the global L2 norm, as torch.nn.utils.clip_grad_norm_: if the norm of all
// gradients taken as one vector exceeds maxNorm, every gradient is scaled by maxNorm / (norm + 1e-6).
// The sum of squares is reduced on the device (one scalar per parameter, added there) and read
// back once, because the trainer needs the number anyway (logging, NaN checks).
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
        if (double.IsFinite(norm) && coefficient < 1)
            foreach (var g in grads)                             // in place, one pass: the Grad buffers live on
                g.Backend.BinaryScalar(BinaryOp.Mul, g, g.DType.Round(coefficient), g);
    }

    /// <summary>‖(t_1, …, t_n)‖₂ of the tensors taken as one vector; the sums stay on the device.</summary>
    public static double GlobalNorm(IReadOnlyCollection<Tensor> tensors) => Math.Sqrt(SumOfSquares(tensors));

    /// <summary>Σ t² over every element of the tensors; the sums stay on the device, one read-back.</summary>
    public static double SumOfSquares(IReadOnlyCollection<Tensor> tensors)
    {
        if (tensors.Count == 0) return 0;
        using var scope = new TensorScope();
        Tensor? total = null;
        foreach (var t in tensors)
        {
            var squares = t.Square().Sum();                     // () sum of t², on the device
            total = total is null ? squares : total.Add(squares);
        }
        return total!.Item();                                   // the one read-back
    }
}
