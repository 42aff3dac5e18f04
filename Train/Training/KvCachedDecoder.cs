// KvCachedDecoder: generation from a DeepSeekMoe with one KV cache per layer (Model/Layers/KvCache.cs),
// so each Append runs only the new tokens; what DeepSeekMoeLanguageModel.StartDecoding returns.
// Not here: sampling (Sampler.cs, TextGenerator.cs) or the recomputing fallback (RecomputingDecoder.cs).
using MoeFromScratch.Autograd;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

/// <summary>
/// Generation with one KV cache per layer: each Append runs only the new tokens. When the cache is
/// full it restarts from the last max_position_embeddings tokens (as RecomputingDecoder's window).
/// </summary>
public sealed class KvCachedDecoder(DeepSeekMoe model) : IDecoder
{
    private readonly KvCache[] _caches = model.NewCaches();
    private readonly List<int> _tokens = [];

    public float[] Append(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length == 0) throw new ArgumentException("Append: no tokens given");
        _tokens.AddRange(tokens.ToArray());
        int capacity = _caches[0].Capacity;
        int[] fresh = tokens.ToArray();
        if (_caches[0].Length + fresh.Length > capacity)
        {
            foreach (var c in _caches) c.Clear();                               // restart on the last window
            fresh = _tokens.Skip(Math.Max(0, _tokens.Count - capacity)).ToArray();
        }
        using var scope = new TensorScope();
        using var noGrad = Grad.NoGrad();
        var ids = Tensor.FromArray(fresh, [1, fresh.Length], model.Backend);   // (1, T)
        var logits = model.Forward(ids, null, training: false, caches: _caches).Logits;
        using var last = logits.Data.Select(1, fresh.Length - 1).Select(0, 0); // (1, T, V) -> (V)
        return last.DType == DType.Float32 ? last.ToArray<float>() : Array.ConvertAll(last.ToDoubleArray(), v => (float)v);
    }

    public void Dispose()
    {
        foreach (var c in _caches) c.Dispose();
    }
}
