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

    // Small-scale default steps per model and seed (B 8 × T 128 = 1,024 tokens a step), sized from
    // the measured ≈ 0.45 s a step plus ≈ 15 s of evaluation and save per model on 2 shared cores:
    //   baselines             5 models × 3 seeds = 15 runs:  15 × (240 × 0.45 + 15) s ≈ 31 min
    //   ablation-shared       4 models × 3 seeds = 12 runs:  12 × (300 × 0.45 + 15) s ≈ 30 min
    //   ablation-granularity  3 models × 3 seeds =  9 runs:   9 × (400 × 0.45 + 15) s ≈ 29 min
    //   ablation-shared-ratio 3 models × 3 seeds =  9 runs:   9 × (400 × 0.45 + 15) s ≈ 29 min
    //   redundancy            2 models × 3 seeds =  6 runs plus 17 sweep passes of ≈ 5 s each per seed:
    //                         6 × (500 × 0.45 + 15) s + 3 × 85 s ≈ 28 min
    private static readonly Dictionary<string, long> SmallScaleSteps = new()
    {
        ["baselines"] = 240,
        ["ablation-shared"] = 300,
        ["ablation-granularity"] = 400,
        ["ablation-shared-ratio"] = 400,
        ["redundancy"] = 500,
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
