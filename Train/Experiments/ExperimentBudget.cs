// ExperimentBudget: how many optimizer steps each model trains per seed — `--steps N`, or
// `--tokens N` rounded up to whole steps of B·T, or the experiment's default. At the small scale
// the default is chosen per experiment so that its three-seed run fits in about 30 minutes on
// 2 CPU cores (docs/experiments.md, "Budgets", gives the measurement it rests on); at any other
// scale it is the scale's own step count (tiny: a seconds-long pipeline check).
// Not here: the learning-rate schedule or the evaluation cadence, which follow the steps (ExperimentRunner).
namespace MoeFromScratch.Train.Experiments;

public static class ExperimentBudget
{
    /// <summary>Seeds a published run uses (the default of `--seeds`).</summary>
    public static readonly IReadOnlyList<ulong> DefaultSeeds = [1, 2, 3];

    // Small-scale default steps per model and seed (B 8 × T 128 = 1,024 tokens a step), sized for
    // 30 minutes = 600 s a seed from measured step times: ≈ 0.6 s a step for the small MoE models
    // and Dense (`moe bench train` medians 0.50-0.59 s on 2 cores at load average ≈ 11), ≈ 1.2 s for
    // Dense×16 (2.0× DeepSeekMoE's step in a 20-step `baselines` run: 1,908 vs 940 ms at load 14-38),
    // ≈ 0.7 s for GShard×1.5, plus ≈ 10 s of evaluation and save a model and ≈ 5 s a sweep pass:
    //   baselines             6 models: (600 − 60 s) / (5 × 0.6 + 1.2 s)          ≈ 128 -> 120 steps
    //   ablation-shared       4 models: (600 − 40 s) / (4 × 0.6 s)                ≈ 233 -> 220
    //   ablation-granularity  3 models: (600 − 30 s) / (3 × 0.6 s)                ≈ 316 -> 300
    //   ablation-shared-ratio 3 models: the same                                  -> 300
    //   redundancy            2 models, 16 sweep passes: (600 − 20 − 80 s) / (0.6 + 0.7 s) ≈ 385 -> 380
    // A busier machine is slower in proportion (the measuring run's steps took 0.9-1.9 s at load 14-38).
    private static readonly Dictionary<string, long> SmallScaleSteps = new()
    {
        ["baselines"] = 120,
        ["ablation-shared"] = 220,
        ["ablation-granularity"] = 300,
        ["ablation-shared-ratio"] = 300,
        ["redundancy"] = 380,
    };

    /// <summary>The default steps of an experiment at a scale.</summary>
    public static long DefaultSteps(string experiment, ExperimentScale scale) =>
        scale.Name == ExperimentScale.Small.Name && SmallScaleSteps.TryGetValue(experiment, out long steps) ? steps : scale.Steps;

    /// <summary>Steps per model and seed from --steps or --tokens (at most one of them), else the default.</summary>
    public static long Steps(Experiment experiment, ExperimentScale scale, long? steps, long? tokens)
    {
        if (steps is not null && tokens is not null)
            throw new Tensors.UsageException($"--steps {steps} and --tokens {tokens}: give one budget, not both");
        if (steps is < 1) throw new Tensors.UsageException($"--steps {steps}: expected >= 1");
        long tokensPerStep = (long)scale.BatchSize * scale.SequenceLength;
        if (tokens is < 1) throw new Tensors.UsageException($"--tokens {tokens}: expected >= 1 (a step is {tokensPerStep:N0} tokens at the {scale.Name} scale)");
        return steps ?? (tokens is long t ? (t + tokensPerStep - 1) / tokensPerStep : DefaultSteps(experiment.Name, scale));
    }
}
