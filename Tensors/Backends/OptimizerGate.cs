// OptimizerGate: the layout of the small device vector that decides an optimizer step on the device
// (issue 17, "no host sync inside a step"). IBackend.ClipGate writes it from the step's Σg² and loss;
// IBackend.AdamW reads it: whether to update at all, the clip coefficient to scale g by, and the
// update count t for the bias corrections. So a step that logs nothing reads nothing back: the host
// learns the norm, a skip and the count only when it reads the vector (the trainer: on logging steps).
// The vector persists across steps (the optimizer owns it): Updates, BadInARow and Skipped carry on.
// Counts travel in the vector's float dtype: exact below 2^24 (float32) steps.
// Not here: the kernels themselves (IBackend's AdamW section), the host's reading of it (Train/Optim/AdamW.cs).
namespace MoeFromScratch.Tensors;

public static class OptimizerGate
{
    /// <summary>Σ g² of the step, as given (read it back for the norm: sqrt in double on the host).</summary>
    public const int SumOfSquares = 0;

    /// <summary>min(1, maxNorm / (sqrt(Σ g²) + 1e-6)), rounded to the vector's dtype; 1 on a skipped step.</summary>
    public const int Coefficient = 1;

    /// <summary>1 when the step updates (Σ g² and the loss finite), 0 when it is skipped.</summary>
    public const int Update = 2;

    /// <summary>Updates taken so far, this step's included: the t of the bias corrections 1 − β^t.</summary>
    public const int Updates = 3;

    /// <summary>Skipped steps in a row up to this one (0 after an update).</summary>
    public const int BadInARow = 4;

    /// <summary>Skipped steps in all.</summary>
    public const int Skipped = 5;

    public const int Length = 6;

    /// <summary>
    /// The next gate from the previous one (in place), as every backend computes it; the host backends
    /// call this, the Vulkan shader (clip_gate.comp) mirrors it. loss null: only Σ g² is checked.
    /// </summary>
    public static void Next(Span<double> gate, double sumOfSquares, double? loss, double maxNorm)
    {
        bool ok = double.IsFinite(sumOfSquares) && (loss is null || double.IsFinite(loss.Value));
        gate[SumOfSquares] = sumOfSquares;
        gate[Coefficient] = ok ? ClipCoefficient(sumOfSquares, maxNorm) : 1;
        gate[Update] = ok ? 1 : 0;
        gate[Updates] += ok ? 1 : 0;
        gate[BadInARow] = ok ? 0 : gate[BadInARow] + 1;
        gate[Skipped] += ok ? 0 : 1;
    }

    /// <summary>The norm's clip coefficient as torch.nn.utils.clip_grad_norm_ forms it; 1 when no clip is due.</summary>
    public static double ClipCoefficient(double sumOfSquares, double maxNorm)
    {
        double coefficient = maxNorm / (Math.Sqrt(sumOfSquares) + 1e-6);
        return coefficient < 1 ? coefficient : 1;
    }
}
