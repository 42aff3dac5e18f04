// StepDecaySchedule: the DeepSeekMoE paper's schedule (Dai et al. 2024, §4.1 "Training
// Settings", paraphrased): the learning rate rises linearly from 0 to its maximum over the first
// 2K steps, is multiplied by 0.316 at 80% of the training steps and by 0.316 again at 90%.
// 0.316 ≈ 1/√10, so the two drops together divide the rate by 10.
// It is not tied to 2K warmup steps: W is a parameter, since our runs are far shorter.
namespace MoeFromScratch.Train.Optim;

public sealed class StepDecaySchedule : ILearningRateSchedule
{
    public const double Factor = 0.316;

    public double Peak { get; }
    public long WarmupSteps { get; }
    public long TotalSteps { get; }

    public StepDecaySchedule(double peak, long warmupSteps, long totalSteps)
    {
        Schedule.Check(peak, warmupSteps, totalSteps);
        (Peak, WarmupSteps, TotalSteps) = (peak, warmupSteps, totalSteps);
    }

    public double At(long step)
    {
        if (Schedule.Warmup(Peak, WarmupSteps, step) is double warm) return warm;
        // Integer comparisons (10·step >= 8·total) so 80% of 1000 is step 800 exactly, not 799.999...
        int drops = (10 * step >= 8 * TotalSteps ? 1 : 0) + (10 * step >= 9 * TotalSteps ? 1 : 0);
        return Peak * Math.Pow(Factor, drops);
    }
}
