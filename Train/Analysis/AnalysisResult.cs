// What `moe analyze` finds about one model, as records that serialise straight to analysis.json
// (snake_case). Everything is measured on the same validation batches: the plain pass gives the
// loss, the expert load and the routing by kind; each point of a sweep is one more pass.
namespace MoeFromScratch.Train.Analysis;

/// <summary>One point of the paper's redundancy test: each token's top Disabled routed experts masked.</summary>
/// <param name="Ratio">Fraction of the routed experts disabled, Disabled / E, for the paper's ratios 0, 1/16, … 4/16 (Disabled = round(r·E)).</param>
/// <param name="RatioLabel">The ratio as measured, "Disabled/E", e.g. "8/63".</param>
/// <param name="ValidationLoss">null when the point cannot run (Skipped says why).</param>
public sealed record RedundancyPoint(double Ratio, string RatioLabel, int Disabled, double? ValidationLoss, string? Skipped);

/// <summary>Validation loss with K' = ActiveExperts routed experts per token instead of the configured number.</summary>
public sealed record ActiveExpertsPoint(int ActiveExperts, double ValidationLoss);

/// <param name="Layer">The model layer (0-based; dense layers have no entry).</param>
/// <param name="Load">How the layer's routed assignments spread over its experts.</param>
/// <param name="Kinds">Routing by kind of text; null when the data has no kind tags.</param>
public sealed record LayerAnalysis(int Layer, LoadStats Load, KindRouting? Kinds);

/// <param name="ValidationLoss">Mean next-token cross-entropy of the plain pass (routing as trained).</param>
/// <param name="Notes">What was skipped and why (e.g. hash routing has no scores to sweep).</param>
public sealed record AnalysisResult(
    string MoeKind,
    int RoutedExperts,
    int ActiveExperts,
    int SharedExperts,
    int Batches,
    long Tokens,
    double ValidationLoss,
    IReadOnlyList<LayerAnalysis> Layers,
    IReadOnlyList<RedundancyPoint> Redundancy,
    IReadOnlyList<ActiveExpertsPoint> ActiveExpertsSweep,
    IReadOnlyList<string> Notes)
{
    /// <summary>The model folder analysed.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>The loss with the shared experts disabled and K' + K_s routed experts per token instead (paper: 1.808 → 2.414);
    /// null without shared experts, a router or the sweeps.</summary>
    public double? SharedDisabledLoss { get; init; }

    /// <summary>The token cache folder the validation split came from.</summary>
    public string? Data { get; init; }

    /// <summary>The mean specialisation score (NMI) over the MoE layers; null without kind tags.</summary>
    public double? MeanSpecialization =>
        Layers.All(l => l.Kinds?.NormalizedMutualInformation is not null) && Layers.Count > 0
            ? Layers.Average(l => l.Kinds!.NormalizedMutualInformation!.Value) : null;
}
