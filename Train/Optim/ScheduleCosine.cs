// CosineSchedule: linear warmup, then half a cosine from the peak down to minRatio × peak at the
// last step (and flat after it). The common alternative to the paper's step decay.
// Follows Loshchilov & Hutter 2017 (SGDR) without restarts, as nanoGPT's `get_lr`.
namespace MoeFromScratch.Train.Optim;

public sealed class CosineSchedule : ILearningRateSchedule
{
    public double Peak { get; }
    public long WarmupSteps { get; }
    public long TotalSteps { get; }
    public double MinRatio { get; }

    public CosineSchedule(double peak, long warmupSteps, long totalSteps, double minRatio)
    {
        Schedule.Check(peak, warmupSteps, totalSteps);
        if (minRatio is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(minRatio), $"min ratio {minRatio}, expected 0..1");
        (Peak, WarmupSteps, TotalSteps, MinRatio) = (peak, warmupSteps, totalSteps, minRatio);
    }

    public double At(long step)
    {
        if (Schedule.Warmup(Peak, WarmupSteps, step) is double warm) return warm;
        long decaySteps = Math.Max(1, TotalSteps - 1 - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);  // 0 after warmup, 1 at the last step
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));                       // 1 -> 0
        return Peak * (MinRatio + (1 - MinRatio) * cosine);
    }
}
