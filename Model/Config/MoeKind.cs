// MoeKind: which feed-forward layer a model uses. The paper's Table 1 baselines differ from
// DeepSeekMoE only here; attention, norms and the training recipe are shared.
namespace MoeFromScratch.Model.Config;

public enum MoeKind
{
    DeepSeek, // K_s shared experts + top-K' of N' fine-grained routed experts (eq. 9-11)
    GShard,   // learned top-K (usually 2) routing over full-width experts
    Switch,   // learned top-1 routing
    Hash,     // top-1 by a fixed hash of the token id; no router weights
    Dense,    // no MoE layer at all: every layer is a SwiGLU FFN of width intermediate_size
}

/// <summary>The names moe_kind takes in config.json.</summary>
public static class MoeKindNames
{
    private static readonly (MoeKind Kind, string Name)[] Names =
    [
        (MoeKind.DeepSeek, "deepseek"), (MoeKind.GShard, "gshard"), (MoeKind.Switch, "switch"),
        (MoeKind.Hash, "hash"), (MoeKind.Dense, "dense"),
    ];

    public static string All => string.Join(" | ", Names.Select(n => n.Name));

    public static string Name(MoeKind kind) => Names.First(n => n.Kind == kind).Name;

    public static bool TryParse(string name, out MoeKind kind)
    {
        foreach (var n in Names)
            if (n.Name == name) { kind = n.Kind; return true; }
        kind = default;
        return false;
    }
}
