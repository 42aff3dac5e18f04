// The models the experiments compare, built from one ExperimentScale with the paper's 2B design
// ratios (Table 1, §4): against a standard FFN of width F, every MoE layer holds 16·F of expert
// width in total, and a token activates 2·F (GShard, DeepSeekMoE) or 1·F (Switch, Hash):
//   Dense         one FFN of width F per layer (the activated compute of Switch)
//   Dense×16      one FFN of width 16F per layer: every expert parameter of a MoE layer, all active —
//                 the paper's upper bound (16 shared full experts; Pile 1.806 against DeepSeekMoE's 1.808)
//   Hash          16 experts × F, top-1 by a fixed hash of the token id
//   Switch        16 experts × F, learned top-1
//   GShard        16 experts × F, learned top-2 (gates renormalised)
//   DeepSeekMoE   1 shared + 63 routed experts × F/4, 7 routed active (m = 4): 64·F/4 = 16F, 8·F/4 = 2F
// and for the ablations and the redundancy test
//   no shared     0 shared + 64 routed × F/4, 8 active (same total and activated width)
//   GShard+shared 1 shared + 15 routed × F, learned top-1 (gates renormalised, as GShard's): GShard's
//                 16F / 2F with one expert made shared — the paper's shared-expert isolation step (Figure 3)
//   shared s      s shared + (64 − s) routed × F/4, (8 − s) active, s = 1, 2, 4: the shared:routed
//                 ratio at fixed 16F / 2F (§4.5: Pile 1.808 / 1.806 / 1.811; s = 1 is DeepSeekMoE)
//   m = 1, 2, 4   1 shared + (16m−1) routed × F/m, (2m−1) active: 16F total and 2F activated at every m
//                 (the shape of the paper's granularity ablation as we read its Figure 3; m = 4 is DeepSeekMoE)
//   GShard×1.5    16 experts × 1.5F, top-2: the paper's GShard with 1.5× expert parameters, which
//                 matched DeepSeekMoE's Pile loss (1.808)
// Every layer is MoE (the 2B has no dense first layer); attention, norms, vocabulary, the balance
// loss weight (α1 = 0.01, the 2B's; 0 for hash) and the init are shared. This is NOT the `small-*`
// presets: those keep 4F total and 1F activated (MoePresets.cs), which are not the paper's ratios.
using MoeFromScratch.Model.Config;

namespace MoeFromScratch.Train.Experiments;

/// <param name="Name">Short id, also the model's folder name.</param>
/// <param name="Design">The feed-forward layer in a few words, for tables.</param>
/// <param name="PaperLoss">The paper's Pile loss of the 2B counterpart, where it reports one.</param>
public sealed record ModelVariant(string Name, string Design, MoeConfig Config, double? PaperLoss = null);

public static class ExperimentModels
{
    public const int TotalWidths = 16;   // expert width per layer, in standard FFNs (Table 1)

    public static ModelVariant Dense(ExperimentScale s) =>
        new("dense", "1 FFN × F", Backbone(s) with { MoeKind = MoeKind.Dense, NSharedExperts = 0, NRoutedExperts = 0, NumExpertsPerTok = 0, AuxLossAlpha = 0 });

    public static ModelVariant DenseX16(ExperimentScale s) => Dense(s) with
    {
        Name = "dense-x16",
        Design = $"1 FFN × {TotalWidths}F",
        Config = Dense(s).Config with { IntermediateSize = TotalWidths * s.Ffn },
    };

    public static ModelVariant Hash(ExperimentScale s)
    {
        var v = Routed(s, "hash", MoeKind.Hash, shared: 0, routed: 16, active: 1, width: s.Ffn);
        return v with { Config = v.Config with { AuxLossAlpha = 0 } };   // a fixed hash has no router to balance
    }

    public static ModelVariant Switch(ExperimentScale s) => Routed(s, "switch", MoeKind.Switch, shared: 0, routed: 16, active: 1, width: s.Ffn);

    public static ModelVariant GShard(ExperimentScale s) => Routed(s, "gshard", MoeKind.GShard, shared: 0, routed: 16, active: 2, width: s.Ffn);

    public static ModelVariant GShardX15(ExperimentScale s) => Routed(s, "gshard-x1.5", MoeKind.GShard, shared: 0, routed: 16, active: 2, width: s.Ffn * 3 / 2);

    public static ModelVariant DeepSeekMoe(ExperimentScale s) => Granularity(s, 4) with { Name = "deepseekmoe" };

    public static ModelVariant NoShared(ExperimentScale s) => Routed(s, "no-shared", MoeKind.DeepSeek, shared: 0, routed: 64, active: 8, width: s.Ffn / 4);

    public static ModelVariant GShardShared(ExperimentScale s) => Routed(s, "gshard-shared", MoeKind.GShard, shared: 1, routed: TotalWidths - 1, active: 1, width: s.Ffn);

    /// <summary>s shared + (64 − s) routed experts of width F/4, 8 − s active: the shared:routed ratio at fixed total and activated width.</summary>
    public static ModelVariant SharedRatio(ExperimentScale s, int shared)
    {
        var v = DeepSeekMoe(s);
        int routed = v.Config.NRoutedExperts + v.Config.NSharedExperts - shared, active = v.Config.NumExpertsPerTok + v.Config.NSharedExperts - shared;
        return Routed(s, $"shared-{shared}", MoeKind.DeepSeek, shared, routed, active, v.Config.MoeIntermediateSize);
    }

    /// <summary>Fine-grained segmentation m: 1 shared + (16m−1) routed experts of width F/m, 2m−1 active.</summary>
    public static ModelVariant Granularity(ExperimentScale s, int m)
    {
        if (s.Ffn % m != 0) throw new ArgumentException($"F = {s.Ffn} does not split into m = {m} experts");
        return Routed(s, $"m{m}", MoeKind.DeepSeek, shared: 1, routed: TotalWidths * m - 1, active: 2 * m - 1, width: s.Ffn / m);
    }

    private static ModelVariant Routed(ExperimentScale s, string name, MoeKind kind, int shared, int routed, int active, int width)
    {
        string design = $"{(shared > 0 ? $"{shared} shared + " : "")}{active}/{routed} routed × {(width == s.Ffn ? "F" : width < s.Ffn ? $"F/{s.Ffn / width}" : $"{(double)width / s.Ffn:0.#}F")}";
        return new(name, design, Backbone(s) with
        {
            MoeKind = kind,
            MoeIntermediateSize = width,
            NSharedExperts = shared,
            NRoutedExperts = routed,
            NumExpertsPerTok = active,
        });
    }

    // Everything but the feed-forward layers: the `small` preset's recipe at the scale's sizes.
    private static MoeConfig Backbone(ExperimentScale s) => MoePresets.Small with
    {
        VocabSize = s.VocabSize,
        HiddenSize = s.Hidden,
        IntermediateSize = s.Ffn,
        NumHiddenLayers = s.Layers,
        NumAttentionHeads = s.Heads,
        NumKeyValueHeads = s.Heads,
        FirstKDenseReplace = 0,
        MaxPositionEmbeddings = s.MaxPositions,
        AuxLossAlpha = 0.01,
    };
}
