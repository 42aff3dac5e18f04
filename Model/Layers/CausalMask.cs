// CausalMask: the additive mask of causal attention, 0 where a query may see a key (key ≤ query)
// and -inf above the diagonal, on the model's device in its dtype. Every forward takes a (T, TK)
// window of it as a view: rows offset..offset+T (the query positions), columns 0..offset+T (every
// key up to the last query), so the full forward (offset 0) and the KV-cached one (offset = cache
// length) read the same numbers.
// A plain causal forward on a backend with fused attention never asks for it (the kernel knows
// causality), so it is never built there. Sized by what the forwards use, not by max_position_embeddings: it is built for the first
// window asked for and rebuilt (at least doubling, at most the maximum) only when a longer one
// comes, so a T = 128 run of a 40,000-position config holds 128² elements, not 40,000². A view
// taken before a rebuild keeps its old storage alive until it is disposed (storage is counted by
// its views), so rebuilding never pulls numbers from under a forward in flight.
// Packed rows (several examples in one row, as fine-tuning packs them) take a per-batch mask
// instead, ForSegments: (B, 1, T, T), 0 where the key is at or before the query AND in the same
// segment, so no example attends to another. RoPE needs no position reset: a score depends only
// on the distance between query and key, which is the same wherever the example sits in the row.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public sealed class CausalMask : IDisposable
{
    private const int MaxDoubling = 46_340;   // growth stops where P² would pass int.MaxValue elements
    private readonly IBackend? _backend;
    private readonly DType _dtype;
    private readonly bool _packed;
    private Tensor? _mask;   // (P, P), P = the positions built so far, ≤ max positions; or (B, 1, T, T) for packed rows

    public CausalMask(int maxPositions, IBackend? backend = null, DType dtype = DType.Float32) =>
        (MaxPositions, _backend, _dtype) = (maxPositions, backend, dtype);

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

    /// <summary>Positions the mask holds now (0 before the first forward).</summary>
    public int BuiltPositions => _packed ? MaxPositions : _mask?.Shape[0] ?? 0;

    /// <summary>True unless this is a packed rows' segment mask: plain causal attention, which the fused kernel computes without it.</summary>
    public bool IsPlainCausal => !_packed;

    /// <summary>Refuses a window of queries offset..offset+T that the mask (max_position_embeddings) does not cover.</summary>
    public void CheckWindow(int offset, int T)
    {
        if (offset < 0 || T < 1 || (long)offset + T > MaxPositions)
            throw new ArgumentException($"attention: positions {offset}..{(long)offset + T - 1} exceed max_position_embeddings {MaxPositions}");
        if (_packed && (offset != 0 || T != MaxPositions))
            throw new ArgumentException($"attention: a packed mask covers positions 0..{MaxPositions - 1} of one forward, not {offset}..{offset + T - 1}");
    }

    /// <summary>The mask of queries offset..offset+T against keys 0..offset+T: a (T, offset+T) view, no gradient
    /// ((B, 1, T, T) for packed rows).</summary>
    public Variable Rows(int offset, int T)
    {
        CheckWindow(offset, T);
        if (_packed) return new Variable(_mask!);
        Reserve(offset + T);
        return new Variable(_mask!.Narrow(0, offset, T).Narrow(1, 0, offset + T));   // (P, P) -> (T, TK)
    }

    /// <summary>Builds the mask for at least positions positions now (at least doubling what it holds), so no forward has to.</summary>
    public void Reserve(int positions)
    {
        if (!_packed && positions > BuiltPositions)
            Build((int)Math.Min(MaxPositions, Math.Max(positions, Math.Min(2L * BuiltPositions, MaxDoubling))));
    }

    private void Build(int positions)
    {
        using var untracked = TensorScope.Suspend();   // built mid-forward, but it outlives the step's scope
        var host = new float[(long)positions * positions];
        for (int query = 0; query < positions; query++)
            host.AsSpan(query * positions + query + 1, positions - query - 1).Fill(float.NegativeInfinity);
        using var onHost = Tensor.FromArray(host, [positions, positions]);
        var built = onHost.To(_backend ?? onHost.Backend, _dtype);
        _mask?.Dispose();
        _mask = built;
    }

    public void Dispose() => _mask?.Dispose();
}
