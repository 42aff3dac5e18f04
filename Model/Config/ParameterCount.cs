// Parameter counts from a config alone, total and activated per token, by part of the model.
// Activated = everything except the routed experts a token does not pick: per MoE layer only K'
// of the N' (equal-sized) routed experts count. This is the paper's "activated parameters".
// Reads ParameterLayout, so the counts are exactly the checkpoint's tensors.
namespace MoeFromScratch.Model.Config;

public sealed class ParamCounts
{
    private readonly long[] _byGroup = new long[Enum.GetValues<ParamGroup>().Length];

    public long this[ParamGroup group] => _byGroup[(int)group];

    public long Total => _byGroup.Sum();

    internal void Add(ParamGroup group, long count) => _byGroup[(int)group] += count;
}

public static class ParameterCount
{
    public static (ParamCounts Total, ParamCounts Activated) Of(MoeConfig config)
    {
        var total = new ParamCounts();
        var activated = new ParamCounts();
        foreach (var p in ParameterLayout.Of(config))
        {
            total.Add(p.Group, p.Numel);
            if (p.Group != ParamGroup.RoutedExperts)
                activated.Add(p.Group, p.Numel);
        }
        // Experts of a layer are equal-sized, so K' of N' is an exact fraction of the routed total.
        if (config.NRoutedExperts > 0)
            activated.Add(ParamGroup.RoutedExperts, total[ParamGroup.RoutedExperts] / config.NRoutedExperts * config.NumExpertsPerTok);
        return (total, activated);
    }

    /// <summary>The snake_case name a group has in JSON output.</summary>
    public static string JsonName(ParamGroup group) => group switch
    {
        ParamGroup.Embedding => "embedding",
        ParamGroup.Attention => "attention",
        ParamGroup.DenseFfn => "dense_ffn",
        ParamGroup.RoutedExperts => "routed_experts",
        ParamGroup.SharedExperts => "shared_experts",
        ParamGroup.Router => "router",
        ParamGroup.Norms => "norms",
        ParamGroup.LmHead => "lm_head",
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };
}
