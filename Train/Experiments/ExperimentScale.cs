// ExperimentScale: the backbone and the training budget every model of an experiment shares, so
// that models differ only in their feed-forward layers. F is the "standard FFN" width the paper's
// design ratios are stated against (ExperimentModels.cs). Two scales:
//   small  the default: C 128, 4 layers × 4 heads, F = 256, vocab 4096 (the default corpus's cached
//          tokenizer at `moe train`'s small vocab), B 8 × T 128; its default steps are per experiment
//          (ExperimentBudget: a three-seed run in about 30 minutes on 2 CPU cores), 300 elsewhere
//   tiny   a seconds-long check of the whole pipeline (tests, a first try): C 32, 2 layers, F = 64,
//          vocab 300, B 2 × T 16, 3 steps
// The paper's 2B is C 1280, 9 layers, F ≈ 3424, trained on 100B tokens; at this scale only the
// ratios are the paper's, and what a few hundred steps show may differ from what 100B tokens show.
namespace MoeFromScratch.Train.Experiments;

/// <param name="Ffn">F: the width of one standard SwiGLU FFN (the dense model's, and a GShard expert's).</param>
/// <param name="Steps">Default optimizer steps per model and seed where ExperimentBudget has no per-experiment default (`--steps` / `--tokens` override).</param>
public sealed record ExperimentScale(
    string Name, int VocabSize, int Hidden, int Layers, int Heads, int Ffn, int MaxPositions,
    int BatchSize, int SequenceLength, long Steps, double LearningRate, int EvalBatches)
{
    public static readonly ExperimentScale Small = new("small", VocabSize: 4096, Hidden: 128, Layers: 4, Heads: 4, Ffn: 256, MaxPositions: 512,
        BatchSize: 8, SequenceLength: 128, Steps: 300, LearningRate: 1e-3, EvalBatches: 8);

    public static readonly ExperimentScale Tiny = new("tiny", VocabSize: 300, Hidden: 32, Layers: 2, Heads: 2, Ffn: 64, MaxPositions: 64,
        BatchSize: 2, SequenceLength: 16, Steps: 3, LearningRate: 1e-3, EvalBatches: 1);

    public static IReadOnlyList<ExperimentScale> All { get; } = [Small, Tiny];

    public static ExperimentScale Named(string name) => All.FirstOrDefault(s => s.Name == name)
        ?? throw new Tensors.UsageException($"--scale {name}: expected one of {string.Join(", ", All.Select(s => s.Name))}");
}
