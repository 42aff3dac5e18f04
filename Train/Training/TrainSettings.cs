// TrainSettings: every knob of a training run, in one record so a checkpoint can store it and a
// resumed run can continue with exactly the same schedule and batches. The CLI fills it from its
// options; trainer_state.json keeps a copy (snake_case field names).
// It is not the model's shape: that is MoeConfig (config.json beside the weights).
namespace MoeFromScratch.Train.Training;

public sealed record TrainSettings
{
    public long Steps { get; init; } = 200;            // optimizer iterations in the whole run
    public int BatchSize { get; init; } = 8;           // B sequences per step
    public int SequenceLength { get; init; } = 128;    // T tokens per sequence
    public double LearningRate { get; init; } = 1e-3;  // peak; paper: 1.08e-3 at 2B, 4.2e-4 at 16B
    public long WarmupSteps { get; init; } = 20;       // linear warmup (paper: 2K of far more steps)
    public string Schedule { get; init; } = "step";    // "step" (paper: ×0.316 at 80% and 90%) or "cosine"
    public double WeightDecay { get; init; } = 0.1;    // paper; matrices only (AdamW.Decays)
    public double MaxGradNorm { get; init; } = 1.0;    // paper: clip at global norm 1.0
    public ulong Seed { get; init; } = 1337;           // model init and batch sampling
    public long EvalEvery { get; init; } = 50;         // steps between validation passes; 0 = never
    public int EvalBatches { get; init; } = 8;         // validation batches per pass (always the same ones)
    public long SaveEvery { get; init; } = 100;        // steps between checkpoints; 0 = only at the end
    public int MaxBadSteps { get; init; } = 5;         // non-finite losses in a row before giving up
    public bool PhaseTimes { get; init; }              // --phase-times: the device's time per phase (Training/StepClock.cs); off: no wait for it
    public long LogEvery { get; init; } = 1;           // steps between reads of the losses (one read-back each) and metrics lines
    public string? Data { get; init; }                 // --data: text file or folder; null = the default corpus
    public string? BaseCheckpoint { get; init; }       // sft: the pretrained checkpoint fine-tuned; null for pretraining
    public bool HoldOutSft { get; init; }              // --hold-out-sft: the default corpus without the namespaces sft holds out
    public string Precision { get; init; } = "fp32";   // --precision: fp32, bf16 (float32 masters, bf16 compute) or fp64 (Model/Config/Precision.cs)

    /// <summary>The checks a run needs before it starts; one line naming the setting.</summary>
    public TrainSettings Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new Tensors.UsageException(message);
        }
        Require(Steps >= 1, $"--steps {Steps}: expected >= 1");
        Require(BatchSize >= 1, $"--batch {BatchSize}: expected >= 1");
        Require(SequenceLength >= 1, $"--seq {SequenceLength}: expected >= 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"--lr {LearningRate}: expected a positive number");
        Require(WarmupSteps >= 0 && WarmupSteps <= Steps, $"--warmup {WarmupSteps}: expected 0..{Steps} (the steps)");
        Require(Optim.Schedule.Names.Contains(Schedule), $"--schedule {Schedule}: expected one of {string.Join(", ", Optim.Schedule.Names)}");
        Require(WeightDecay >= 0, $"weight decay {WeightDecay}: expected >= 0");
        Require(MaxGradNorm > 0, $"max grad norm {MaxGradNorm}: expected > 0");
        Require(EvalEvery >= 0, $"--eval-every {EvalEvery}: expected >= 0");
        Require(EvalBatches >= 1, $"eval batches {EvalBatches}: expected >= 1");
        Require(SaveEvery >= 0, $"--save-every {SaveEvery}: expected >= 0");
        Require(MaxBadSteps >= 1, $"max bad steps {MaxBadSteps}: expected >= 1");
        Require(LogEvery >= 1, $"--log-every {LogEvery}: expected >= 1");
        Model.Config.Precision.Parse(Precision);                 // one usage line naming the option if unknown
        return this;
    }
}
