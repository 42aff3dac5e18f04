// CausalMask: the additive mask of causal attention, 0 where a query may see a key (key ≤ query)
// and -inf above the diagonal, built once per model for max_position_embeddings positions on the
// model's device in its dtype. Every forward takes a (T, TK) window of it as a view: rows
// offset..offset+T (the query positions), columns 0..offset+T (every key up to the last query), so
// the full forward (offset 0) and the KV-cached one (offset = cache length) read the same numbers.
// Known cost: max_position_embeddings² elements (64 MB in float32 at 16B's 4096 positions).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public sealed class CausalMask : IDisposable
{
    private readonly Tensor _mask;   // (P, P), P = max positions

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

    public int MaxPositions { get; }

    /// <summary>The mask of queries offset..offset+T against keys 0..offset+T: a (T, offset+T) view, no gradient.</summary>
    public Variable Rows(int offset, int T)
    {
        if (offset < 0 || T < 1 || offset + T > MaxPositions)
            throw new ArgumentException($"attention: positions {offset}..{offset + T - 1} exceed max_position_embeddings {MaxPositions}");
        return new Variable(_mask.Narrow(0, offset, T).Narrow(1, 0, offset + T));   // (P, P) -> (T, TK)
    }

    public void Dispose() => _mask.Dispose();
}
