// The five experiments `moe experiment NAME` runs: which models each trains, what the paper found,
// and whether the trained models get the analysis sweeps (the redundancy experiment runs the
// redundancy and active-expert sweeps on both; every MoE model gets the plain pass's load and
// routing by kind). Every model of an experiment sees the same data, token budget and seed (ExperimentRunner).
namespace MoeFromScratch.Train.Experiments;

/// <param name="Claim">What the paper reports, for the results section.</param>
/// <param name="Sweeps">Run the redundancy and K' sweeps of the expert analysis on every trained model.</param>
public sealed record Experiment(string Name, string Summary, string Claim, IReadOnlyList<ModelVariant> Models, bool Sweeps);

public static class ExperimentCatalog
{
    public static IReadOnlyList<string> Names { get; } = ["baselines", "ablation-shared", "ablation-granularity", "ablation-shared-ratio", "redundancy"];

    public static Experiment Get(string name, ExperimentScale s) => name switch
    {
        "baselines" => new(name, "the paper's Table 1 at small scale: Dense, Hash, Switch, GShard, DeepSeekMoE at the 2B design ratios, and the Dense×16 upper bound",
            "Pile loss Dense 2.060 > Hash 1.932 > Switch 1.881 > GShard 1.867 > DeepSeekMoE 1.808, which nearly reaches the upper bound Dense×16 1.806 (2B, 100B tokens)",
            [
                ExperimentModels.Dense(s) with { PaperLoss = 2.060 },
                ExperimentModels.Hash(s) with { PaperLoss = 1.932 },
                ExperimentModels.Switch(s) with { PaperLoss = 1.881 },
                ExperimentModels.GShard(s) with { PaperLoss = 1.867 },
                ExperimentModels.DeepSeekMoe(s) with { PaperLoss = 1.808 },
                ExperimentModels.DenseX16(s) with { PaperLoss = 1.806 },
            ], Sweeps: false),
        "ablation-shared" => new(name, "shared expert isolation: DeepSeekMoE with and without its shared expert, GShard with and without one, each pair at equal total and activated parameters",
            "shared expert isolation lowers the loss (GShard + 1 shared expert beats GShard at equal compute, Figure 3); in the trained 2B, disabling the shared expert and routing to one more expert instead raised the Pile loss 1.808 -> 2.414",
            [ExperimentModels.DeepSeekMoe(s) with { PaperLoss = 1.808 }, ExperimentModels.NoShared(s), ExperimentModels.GShard(s) with { PaperLoss = 1.867 },
                ExperimentModels.GShardShared(s)], Sweeps: false),
        "ablation-granularity" => new(name, "fine-grained expert segmentation m = 1, 2, 4 at equal total and activated parameters",
            "finer segmentation (larger m) lowers the loss",
            [ExperimentModels.Granularity(s, 1), ExperimentModels.Granularity(s, 2), ExperimentModels.Granularity(s, 4)], Sweeps: false),
        "ablation-shared-ratio" => new(name, "the shared:routed ratio: 1, 2 or 4 shared experts at equal total and activated parameters",
            "1, 2 and 4 shared experts (of 64, 8 active) reach Pile losses 1.808, 1.806 and 1.811: the ratio matters little",
            [ExperimentModels.SharedRatio(s, 1) with { PaperLoss = 1.808 }, ExperimentModels.SharedRatio(s, 2) with { PaperLoss = 1.806 },
                ExperimentModels.SharedRatio(s, 4) with { PaperLoss = 1.811 }], Sweeps: false),
        "redundancy" => new(name, "disabling each token's top routed experts: DeepSeekMoE against GShard×1.5",
            "DeepSeekMoE and GShard×1.5 reach the same Pile loss (1.808), but DeepSeekMoE's loss rises faster as top experts are disabled: less redundancy among its experts",
            [ExperimentModels.DeepSeekMoe(s) with { PaperLoss = 1.808 }, ExperimentModels.GShardX15(s) with { PaperLoss = 1.808 }], Sweeps: true),
        _ => throw new Tensors.UsageException($"experiment '{name}': expected one of {string.Join(", ", Names)}"),
    };
}
