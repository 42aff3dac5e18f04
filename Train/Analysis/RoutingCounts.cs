// RoutingCounts: what an analysis pass tallies from the routers' decisions — per MoE layer, the
// assignments each routed expert received, overall and split by the kind of text of the token.
// One token with K' picks adds K' assignments. Filled batch by batch from MoeOutput.TopIndices.
namespace MoeFromScratch.Train.Analysis;

public sealed class RoutingCounts
{
    /// <param name="layers">MoE layers (in model order; index = position among the MoE layers).</param>
    /// <param name="experts">E routed experts per layer.</param>
    /// <param name="kinds">Distinct kind tags (TextKind values).</param>
    public RoutingCounts(int layers, int experts, int kinds)
    {
        Load = Enumerable.Range(0, layers).Select(_ => new long[experts]).ToArray();
        ByKind = Enumerable.Range(0, layers).Select(_ => new long[kinds, experts]).ToArray();
    }

    /// <summary>[layer][e]: assignments to expert e.</summary>
    public long[][] Load { get; }

    /// <summary>[layer][kind, e]: assignments of tokens of that kind to expert e.</summary>
    public long[][,] ByKind { get; }

    /// <param name="layer">Position among the MoE layers.</param>
    /// <param name="picked">(N·K') row-major (N, K') expert indices.</param>
    /// <param name="k">K': picks per token.</param>
    /// <param name="kinds">(N) the kind tag of each token, or null when the data has none.</param>
    public void Add(int layer, int[] picked, int k, int[]? kinds)
    {
        if (kinds is not null && kinds.Length * k != picked.Length)
            throw new ArgumentException($"RoutingCounts: {picked.Length} picks for {kinds.Length} tokens × {k}");
        var load = Load[layer];
        var byKind = ByKind[layer];
        for (int a = 0; a < picked.Length; a++)
        {
            load[picked[a]]++;
            if (kinds is not null) byKind[kinds[a / k], picked[a]]++;
        }
    }
}
