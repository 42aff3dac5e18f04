// KvCache: the keys and values one attention layer has already computed, for generation, so each
// new token costs one row of attention instead of a whole forward. Preallocated for the P positions
// its user asks for (B, P, NH, HS; the prompt and the tokens to generate, at most
// max_position_embeddings: DeepSeekMoe.NewCaches); new keys (already rotated by RoPE at their
// positions) and values are copied into the next free rows, and attention reads the filled prefix
// as a view. Inference only: no gradient flows into or through the cache.
// Not here: eviction or sliding windows (the decoder restarts the cache when it is full).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public sealed class KvCache : IDisposable
{
    private readonly Tensor _keys, _values;   // (B, P, NH, HS)

    public KvCache(int batch, int maxPositions, int heads, int headSize, IBackend? backend = null, DType dtype = DType.Float32)
    {
        _keys = Tensor.Zeros([batch, maxPositions, heads, headSize], dtype, backend);
        _values = Tensor.Zeros([batch, maxPositions, heads, headSize], dtype, backend);
    }

    /// <summary>Positions filled so far: the RoPE offset of the next token.</summary>
    public int Length { get; private set; }

    public int Capacity => _keys.Shape[1];

    /// <summary>Stores k, v (B, T, NH, HS) after the cached positions; returns all keys and values so far (B, Length, NH, HS).</summary>
    public (Variable Keys, Variable Values) Append(Variable k, Variable v)
    {
        int T = k.Shape[1];
        if (Length + T > Capacity)
            throw new ArgumentException($"KV cache: {Length} + {T} positions exceed its capacity {Capacity}");
        foreach (var (cache, fresh) in new[] { (_keys, k.Data), (_values, v.Data) })
        {
            using var slot = cache.Narrow(1, Length, T);                 // (B, T, NH, HS) rows of the cache
            cache.Backend.Copy(fresh, slot);
        }
        Length += T;
        return (new Variable(_keys.Narrow(1, 0, Length)), new Variable(_values.Narrow(1, 0, Length)));
    }

    /// <summary>Forgets every position (the buffers are kept).</summary>
    public void Clear() => Length = 0;

    public void Dispose()
    {
        _keys.Dispose();
        _values.Dispose();
    }
}
