// The four experiments `moe experiment NAME` runs: which models each trains, what the paper found,
// and whether the trained models are analysed (the redundancy experiment runs ExpertAnalysis on
// both). Every model of an experiment sees the same data, token budget and seed (ExperimentRunner).
namespace MoeFromScratch.Train.Experiments;

/// <param name="Claim">What the paper reports, for the results section.</param>
/// <param name="Analyze">Run the expert analysis (redundancy, K' sweep, load, kinds) on every trained model.</param>
public sealed record Experiment(string Name, string Summary, string Claim, IReadOnlyList<ModelVariant> Models, bool Analyze);

public static class ExperimentCatalog
{
    public static IReadOnlyList<string> Names { get; } = ["baselines", "ablation-shared", "ablation-granularity", "redundancy"];

    public static Experiment Get(string name, ExperimentScale s) => name switch
    {
        "baselines" => new(name, "the paper's Table 1 at small scale: Dense, Hash, Switch, GShard, DeepSeekMoE at the 2B design ratios",
            "Pile loss Dense 2.060 > Hash 1.932 > Switch 1.881 > GShard 1.867 > DeepSeekMoE 1.808 (2B, 100B tokens)",
            [
                ExperimentModels.Dense(s) with { PaperLoss = 2.060 },
                ExperimentModels.Hash(s) with { PaperLoss = 1.932 },
                ExperimentModels.Switch(s) with { PaperLoss = 1.881 },
                ExperimentModels.GShard(s) with { PaperLoss = 1.867 },
                ExperimentModels.DeepSeekMoe(s) with { PaperLoss = 1.808 },
            ], Analyze: false),
        "ablation-shared" => new(name, "DeepSeekMoE with and without its shared expert, at equal total and activated parameters",
            "shared expert isolation lowers the loss; in the trained 2B, disabling the shared expert and routing to one more expert instead raised the Pile loss 1.808 -> 2.414",
            [ExperimentModels.DeepSeekMoe(s) with { PaperLoss = 1.808 }, ExperimentModels.NoShared(s)], Analyze: false),
        "ablation-granularity" => new(name, "fine-grained expert segmentation m = 1, 2, 4 at equal total and activated parameters",
            "finer segmentation (larger m) lowers the loss",
            [ExperimentModels.Granularity(s, 1), ExperimentModels.Granularity(s, 2), ExperimentModels.Granularity(s, 4)], Analyze: false),
        "redundancy" => new(name, "disabling each token's top routed experts: DeepSeekMoE against GShard×1.5",
            "DeepSeekMoE and GShard×1.5 reach the same Pile loss (1.808), but DeepSeekMoE's loss rises faster as top experts are disabled: less redundancy among its experts",
            [ExperimentModels.DeepSeekMoe(s) with { PaperLoss = 1.808 }, ExperimentModels.GShardX15(s) with { PaperLoss = 1.808 }], Analyze: true),
        _ => throw new Tensors.UsageException($"experiment '{name}': expected one of {string.Join(", ", Names)}"),
    };
}
