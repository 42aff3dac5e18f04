// LayerNames: how every report numbers a transformer layer — as the model does, model.layers.N
// from 0 (the HF weight names), so a dense first layer is 0 and the MoE layers after it are 1, 2, …
// `moe train`'s expert load lines and metrics.jsonl's moe_layers, `moe eval`'s aux_per_layer and
// `moe analyze`'s tables and analysis.json all number layers this way; none counts MoE layers
// among themselves. Not a formatting library: one rule, one place.
namespace MoeFromScratch.Train.Training.Reporting;

public static class LayerNames
{
    /// <summary>What a report's header says of its layer numbers.</summary>
    public const string Convention = "numbered as model.layers.N";

    /// <summary>"layer 1": the model layer index, not a position among the MoE layers.</summary>
    public static string Of(int layer) => $"layer {layer}";
}
