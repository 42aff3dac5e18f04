// Schedule: the learning rate as a function of the optimizer step, and the choice between the
// shapes we offer. Steps count from 0; warmup is linear and reaches the peak at step W-1,
// so step 0 already learns (lr = peak / W) instead of wasting a step at zero.
// It is not an optimizer: AdamW asks a schedule for the rate and sets it.
namespace MoeFromScratch.Train.Optim;

public interface ILearningRateSchedule
{
    /// <summary>The learning rate for optimizer step <paramref name="step"/> (0-based).</summary>
    double At(long step);
}

public static class Schedule
{
    public static readonly string[] Names = ["step", "cosine", "constant"];

    /// <summary>By name: "step" (the DeepSeekMoE paper's pretraining), "cosine", or "constant" (its fine-tuning: warmup, then the peak).</summary>
    public static ILearningRateSchedule Create(string name, double peak, long warmupSteps, long totalSteps, double minRatio = 0.1) => name switch
    {
        "step" => new StepDecaySchedule(peak, warmupSteps, totalSteps),
        "cosine" => new CosineSchedule(peak, warmupSteps, totalSteps, minRatio),
        "constant" => new ConstantSchedule(peak, warmupSteps, totalSteps),
        _ => throw new Tensors.UsageException($"--schedule {name}: unknown, expected one of {string.Join(", ", Names)}"),
    };

    private sealed class ConstantSchedule : ILearningRateSchedule
    {
        private readonly double _peak;
        private readonly long _warmup;

        public ConstantSchedule(double peak, long warmupSteps, long totalSteps)
        {
            Check(peak, warmupSteps, totalSteps);
            (_peak, _warmup) = (peak, warmupSteps);
        }

        public double At(long step) => Warmup(_peak, _warmup, step) ?? _peak;
    }

    /// <summary>Linear warmup: (step+1)/W of the peak for step &lt; W, else null.</summary>
    internal static double? Warmup(double peak, long warmupSteps, long step) =>
        step < warmupSteps ? peak * (step + 1) / warmupSteps : null;

    internal static void Check(double peak, long warmupSteps, long totalSteps)
    {
        if (!(peak > 0) || double.IsInfinity(peak)) throw new ArgumentOutOfRangeException(nameof(peak), $"learning rate {peak}, expected a positive number");
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"total steps {totalSteps}, expected >= 1");
        if (warmupSteps < 0 || warmupSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"warmup steps {warmupSteps}, expected 0..{totalSteps} (the total steps)");
    }
}
