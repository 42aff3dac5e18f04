// CausalMask: the additive mask of causal attention, 0 where a query may see a key (key ≤ query)
// and -inf above the diagonal, built once per model for max_position_embeddings positions on the
// model's device in its dtype. Every forward takes a (T, TK) window of it as a view: rows
// offset..offset+T (the query positions), columns 0..offset+T (every key up to the last query), so
// the full forward (offset 0) and the KV-cached one (offset = cache length) read the same numbers.
// Known cost: max_position_embeddings² elements (64 MB in float32 at 16B's 4096 positions).
// Packed rows (several examples in one row, as fine-tuning packs them) take a per-batch mask
// instead, ForSegments: (B, 1, T, T), 0 where the key is at or before the query AND in the same
// segment, so no example attends to another. RoPE needs no position reset: a score depends only
// on the distance between query and key, which is the same wherever the example sits in the row.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public sealed class CausalMask : IDisposable
{
    private readonly Tensor _mask;   // (P, P), P = max positions; or (B, 1, T, T) for packed rows
    private readonly bool _packed;

    public CausalMask(int maxPositions, IBackend? backend = null, DType dtype = DType.Float32)
    {
        var host = new double[(long)maxPositions * maxPositions];
        for (int query = 0; query < maxPositions; query++)
            for (int key = query + 1; key < maxPositions; key++)
                host[(long)query * maxPositions + key] = double.NegativeInfinity;
        using var onHost = Tensor.FromArray(host, [maxPositions, maxPositions]);
        _mask = onHost.To(backend ?? onHost.Backend, dtype);
        MaxPositions = maxPositions;
    }

    private CausalMask(Tensor packed, int T) => (_mask, _packed, MaxPositions) = (packed, true, T);

    /// <summary>
    /// The mask of packed rows: segments (B·T) gives each position's example; a query sees the keys
    /// at or before it with the same segment. Only for a full forward (offset 0, the whole T).
    /// </summary>
    public static CausalMask ForSegments(ReadOnlySpan<int> segments, int B, int T, IBackend backend, DType dtype)
    {
        if (segments.Length != B * T) throw new ArgumentException($"attention: {segments.Length} segment ids for (B, T) = ({B}, {T})");
        var host = new double[(long)B * T * T];
        for (int b = 0; b < B; b++)
            for (int query = 0; query < T; query++)
                for (int key = 0; key < T; key++)
                    if (key > query || segments[b * T + key] != segments[b * T + query])
                        host[((long)b * T + query) * T + key] = double.NegativeInfinity;
        using var onHost = Tensor.FromArray(host, [B, 1, T, T]);
        return new CausalMask(onHost.To(backend, dtype), T);   // (B, 1, T, T): broadcast over the heads
    }

    public int MaxPositions { get; }

    /// <summary>The mask of queries offset..offset+T against keys 0..offset+T: a (T, offset+T) view, no gradient
    /// ((B, 1, T, T) for packed rows).</summary>
    public Variable Rows(int offset, int T)
    {
        if (offset < 0 || T < 1 || offset + T > MaxPositions)
            throw new ArgumentException($"attention: positions {offset}..{offset + T - 1} exceed max_position_embeddings {MaxPositions}");
        if (_packed)
            return offset == 0 && T == MaxPositions ? new Variable(_mask)
                : throw new ArgumentException($"attention: a packed mask covers positions 0..{MaxPositions - 1} of one forward, not {offset}..{offset + T - 1}");
        return new Variable(_mask.Narrow(0, offset, T).Narrow(1, 0, offset + T));   // (P, P) -> (T, TK)
    }

    public void Dispose() => _mask.Dispose();
}
