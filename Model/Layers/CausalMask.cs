// CausalMask: the additive mask of causal attention, 0 where a query may see a key (key ≤ query)
// and -inf above the diagonal, on the model's device in its dtype. Every forward takes a (T, TK)
// window of it as a view: rows offset..offset+T (the query positions), columns 0..offset+T (every
// key up to the last query), so the full forward (offset 0) and the KV-cached one (offset = cache
// length) read the same numbers.
// Sized by what the forwards use, not by max_position_embeddings: it is built for the first
// window asked for and rebuilt (at least doubling, at most the maximum) only when a longer one
// comes, so a T = 128 run of a 40,000-position config holds 128² elements, not 40,000². A view
// taken before a rebuild keeps its old storage alive until it is disposed (storage is counted by
// its views), so rebuilding never pulls numbers from under a forward in flight.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public sealed class CausalMask(int maxPositions, IBackend? backend = null, DType dtype = DType.Float32) : IDisposable
{
    private const int MaxDoubling = 46_340;   // growth stops where P² would pass int.MaxValue elements
    private Tensor? _mask;   // (P, P), P = the positions built so far, ≤ max positions

    public int MaxPositions { get; } = maxPositions;

    /// <summary>Positions the mask holds now (0 before the first forward).</summary>
    public int BuiltPositions => _mask?.Shape[0] ?? 0;

    /// <summary>The mask of queries offset..offset+T against keys 0..offset+T: a (T, offset+T) view, no gradient.</summary>
    public Variable Rows(int offset, int T)
    {
        if (offset < 0 || T < 1 || (long)offset + T > MaxPositions)
            throw new ArgumentException($"attention: positions {offset}..{(long)offset + T - 1} exceed max_position_embeddings {MaxPositions}");
        Reserve(offset + T);
        return new Variable(_mask!.Narrow(0, offset, T).Narrow(1, 0, offset + T));   // (P, P) -> (T, TK)
    }

    /// <summary>Builds the mask for at least positions positions now (at least doubling what it holds), so no forward has to.</summary>
    public void Reserve(int positions)
    {
        if (positions > BuiltPositions) Build((int)Math.Min(MaxPositions, Math.Max(positions, Math.Min(2L * BuiltPositions, MaxDoubling))));
    }

    private void Build(int positions)
    {
        using var untracked = TensorScope.Suspend();   // built mid-forward, but it outlives the step's scope
        var host = new float[(long)positions * positions];
        for (int query = 0; query < positions; query++)
            host.AsSpan(query * positions + query + 1, positions - query - 1).Fill(float.NegativeInfinity);
        using var onHost = Tensor.FromArray(host, [positions, positions]);
        var built = onHost.To(backend ?? onHost.Backend, dtype);
        _mask?.Dispose();
        _mask = built;
    }

    public void Dispose() => _mask?.Dispose();
}
