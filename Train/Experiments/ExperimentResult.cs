// What one run of an experiment produced, as records that serialise straight to results.json
// (snake_case): how it ran (command, device, budget, wall time) and, per model, its size, its
// validation loss over the whole validation split, the paper's number beside it, and its analysis.
using MoeFromScratch.Train.Analysis;

namespace MoeFromScratch.Train.Experiments;

/// <param name="ValidationLoss">Mean next-token cross-entropy over the whole validation split after training.</param>
/// <param name="TrainSeconds">Wall time of the training loop alone; WallSeconds adds the final evaluation, analysis and save.</param>
/// <param name="Folder">The model's run folder: metrics.jsonl, its checkpoint, analysis/ when analysed.</param>
/// <param name="Checkpoint">The final checkpoint (an HF model folder plus optimizer and trainer state).</param>
public sealed record ModelResult(
    string Name, string Design, string MoeKind, long TotalParameters, long ActivatedParameters,
    double ValidationLoss, double? PaperLoss, double TrainSeconds, double WallSeconds, string Folder, string Checkpoint, AnalysisResult? Analysis);

/// <param name="TokensPerModel">Training tokens each model saw: Steps·B·T.</param>
/// <param name="ValidationTokens">Tokens the final validation loss averages over.</param>
/// <param name="UnigramLoss">The same validation loss for token frequencies alone (Analysis/UnigramBaseline.cs).</param>
/// <param name="Findings">One line per comparison the paper makes, computed from the numbers above.</param>
public sealed record ExperimentResult(
    string Experiment, string Summary, string PaperClaim, string Command, string Scale, string Device, int Cores, ulong Seed,
    long Steps, int BatchSize, int SequenceLength, long TokensPerModel, long ValidationTokens, double UnigramLoss, string Data,
    DateTimeOffset Started, double WallSeconds, IReadOnlyList<ModelResult> Models, IReadOnlyList<string> Findings);
