// Named configurations: the paper's three scales, the small models that train on a laptop here,
// and the Table 1 baselines at the small scale. `Resolve` takes a preset name or a path to a
// config.json. Not a zoo: every entry is one the project trains, checks or loads. Each states only
// what differs from MoeConfig's defaults (the official 16B config.json), one row per concern:
// widths and positions; layers and heads; experts; balance losses.
// Follows: Dai et al. 2024 §4.1.2 (2B), §5 and the official config.json (16B), §7 (145B).
namespace MoeFromScratch.Model.Config;

public static class MoePresets
{
    // The paper's 2B (§4.1.2): 9 layers, C 1280, 10 heads × 128, 1 shared + 63 routed, 7 active,
    // each expert 0.25 × a standard FFN. The paper does not state the FFN width; Table 2 implies
    // ≈ 3.4K, so we take 3424 → expert width 856. All layers are MoE. Vocab 8K.
    public static readonly MoeConfig DeepSeekMoe2B = new()
    {
        VocabSize = 8192, HiddenSize = 1280, IntermediateSize = 3424, MaxPositionEmbeddings = 2048,
        NumHiddenLayers = 9, NumAttentionHeads = 10, NumKeyValueHeads = 10,
        MoeIntermediateSize = 856, NSharedExperts = 1, NRoutedExperts = 63, NumExpertsPerTok = 7, FirstKDenseReplace = 0,
        AuxLossAlpha = 0.01,
    };

    // The official deepseek-moe-16b-base config.json, except initializer_range (0.006, the paper's
    // init std; the file says 0.02): MoeConfig's defaults. Layer 0 is a dense FFN of width 10944.
    public static readonly MoeConfig DeepSeekMoe16B = new();

    // The paper's 145B (§7): 62 layers, C 4096, 32 heads × 128, 4 shared + 128 routed, 12 active,
    // each expert 0.125 × a standard FFN, first layer dense, α1 0.003, α2 0.05 over D = 4 devices.
    // Assumed (not stated): the standard FFN is 2.75·C = 11264 as in the 16B (4 × 1408 = 2.75 × 2048),
    // so experts are 1408 wide; the dense first layer keeps the 16B's ratio 10944/2048, i.e. 21888;
    // vocab, eps, θ and positions as in the 16B. This lands on 144.6B total / 22.2B activated,
    // the paper's 144.6B / 22.2B.
    public static readonly MoeConfig DeepSeekMoe145B = DeepSeekMoe16B with
    {
        HiddenSize = 4096,
        IntermediateSize = 21888,
        NumHiddenLayers = 62,
        NumAttentionHeads = 32,
        NumKeyValueHeads = 32,
        NSharedExperts = 4,
        NRoutedExperts = 128,
        NumExpertsPerTok = 12,
        AuxLossAlpha = 0.003,
        DeviceAuxLossAlpha = 0.05,
        NDeviceGroups = 4,
    };

    // Trains in well under a second a step on 2 CPU cores: C 64, 2 layers, 4 heads × 16;
    // layer 0 dense (width 128) and layer 1 MoE (1 shared + 8 routed of width 32, 2 active),
    // so both FFN paths run in every test that uses it.
    public static readonly MoeConfig Tiny = new()
    {
        VocabSize = 512, HiddenSize = 64, IntermediateSize = 128, MaxPositionEmbeddings = 256,
        NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 4,
        MoeIntermediateSize = 32, NSharedExperts = 1, NRoutedExperts = 8, NumExpertsPerTok = 2,
        AuxLossAlpha = 0.01,
    };

    // Trains for a few minutes on 2 CPU cores: C 256, 4 layers, 8 heads × 32, layer 0 dense
    // (width 512), then 1 shared + 15 routed experts of width 128 (0.25 × 512), 3 active —
    // the 2B's shape (m = 4, 1 shared, 1:3 shared to active routed) at a small scale.
    public static readonly MoeConfig Small = new()
    {
        VocabSize = 4096, HiddenSize = 256, IntermediateSize = 512, MaxPositionEmbeddings = 512,
        NumHiddenLayers = 4, NumAttentionHeads = 8, NumKeyValueHeads = 8,
        MoeIntermediateSize = 128, NSharedExperts = 1, NRoutedExperts = 15, NumExpertsPerTok = 3,
        AuxLossAlpha = 0.01,
    };

    // Table 1's baselines at the small scale. The MoE layers of `small` hold 16 × 128 = 2048 expert
    // columns and activate 4 × 128 = 512 (one standard FFN); each baseline keeps both numbers, so
    // only the routing differs: GShard top-2 of 8 experts × 256, Switch and Hash top-1 of 4 × 512,
    // Dense one FFN of width 512 in every layer. (The paper matches total parameters only.)
    public static readonly MoeConfig SmallGShard = Small with { MoeKind = MoeKind.GShard, MoeIntermediateSize = 256, NSharedExperts = 0, NRoutedExperts = 8, NumExpertsPerTok = 2 };

    public static readonly MoeConfig SmallSwitch = Small with { MoeKind = MoeKind.Switch, MoeIntermediateSize = 512, NSharedExperts = 0, NRoutedExperts = 4, NumExpertsPerTok = 1 };

    public static readonly MoeConfig SmallHash = SmallSwitch with { MoeKind = MoeKind.Hash, AuxLossAlpha = 0 };

    public static readonly MoeConfig SmallDense = Small with { MoeKind = MoeKind.Dense, NSharedExperts = 0, NRoutedExperts = 0, NumExpertsPerTok = 0, AuxLossAlpha = 0 };

    public static IReadOnlyList<(string Name, MoeConfig Config)> All { get; } =
    [
        ("tiny", Tiny), ("small", Small),
        ("small-gshard", SmallGShard), ("small-switch", SmallSwitch), ("small-hash", SmallHash), ("small-dense", SmallDense),
        ("deepseek-moe-2b", DeepSeekMoe2B), ("deepseek-moe-16b", DeepSeekMoe16B), ("deepseek-moe-145b", DeepSeekMoe145B),
    ];

    /// <summary>A preset by name, or else the config.json at that path (a file, or a folder holding one).</summary>
    public static MoeConfig Resolve(string nameOrPath)
    {
        foreach (var (name, config) in All)
            if (name == nameOrPath) return config;
        var path = Directory.Exists(nameOrPath) ? Path.Combine(nameOrPath, "config.json") : nameOrPath;
        if (!File.Exists(path))
            throw new ModelConfigException($"{nameOrPath}: neither a preset ({string.Join(", ", All.Select(p => p.Name))}) nor a config.json file");
        return MoeConfigJson.Load(path);
    }
}
