// What the trainer tells its reporters: one record per step, one per validation pass. The
// console reporters draw them; MetricsLog writes them to metrics.jsonl.
namespace MoeFromScratch.Train.Training;

/// <summary>Wall time of each phase of one step (each ends with a device Synchronize).</summary>
public readonly record struct PhaseTimes(TimeSpan Data, TimeSpan Forward, TimeSpan Backward, TimeSpan Optimizer)
{
    public TimeSpan Total => Data + Forward + Backward + Optimizer;

    public static PhaseTimes operator +(PhaseTimes a, PhaseTimes b) =>
        new(a.Data + b.Data, a.Forward + b.Forward, a.Backward + b.Backward, a.Optimizer + b.Optimizer);
}

/// <param name="Step">0-based index of the step just taken; TotalSteps steps in the run.</param>
/// <param name="Skipped">Why the update was skipped (non-finite loss or gradient), else null.</param>
/// <param name="Memory">What stays allocated once the step's temporaries are freed.</param>
/// <param name="Logged">Whether the losses were read (a logging step, TrainSettings.LogEvery); when false,
/// Loss, LmLoss and AuxLoss are NaN and AuxPerLayer is empty: nothing was read back for them.</param>
/// <param name="MoeLayers">The model layer index of each AuxPerLayer / ExpertLoadPerLayer entry (Reporting/LayerNames).</param>
public sealed record StepReport(
    long Step,
    long TotalSteps,
    double Loss,
    double LmLoss,
    double AuxLoss,
    IReadOnlyList<double> AuxPerLayer,
    IReadOnlyList<int[]> ExpertLoadPerLayer,
    double LearningRate,
    double GradNorm,
    long Tokens,
    double TokensPerSecond,
    PhaseTimes Times,
    string? Skipped,
    StepMemory Memory = default,
    bool Logged = true,
    IReadOnlyList<int>? MoeLayers = null)
{
    /// <summary>The model layer index of ExpertLoadPerLayer[i]: MoeLayers, or i when the model gave none.</summary>
    public int LayerOf(int i) => MoeLayers is { } layers && i < layers.Count ? layers[i] : i;
}

/// <param name="Step">Steps completed when the validation pass ran.</param>
public sealed record EvalReport(long Step, double ValidationLoss, int Batches, TimeSpan Time);

/// <summary>Receives the trainer's progress; every method may be left as the no-op default.</summary>
public interface ITrainingReporter
{
    void Started(long startStep, long totalSteps, long tokensPerStep, long parameterCount) { }
    void StepDone(StepReport report) { }
    void Evaluated(EvalReport report) { }
    void Warning(string message) { }
    void Saved(string folder, long step) { }
}
