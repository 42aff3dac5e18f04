// KvCachedDecoder: generation from a DeepSeekMoe with one KV cache per layer (Model/Layers/KvCache.cs),
// so each Append runs only the new tokens; what DeepSeekMoeLanguageModel.StartDecoding returns.
// The caches hold the positions the caller planned (TextGenerator.Positions: the prompt and the
// tokens to generate), not max_position_embeddings, so a 40-token sample of a 4,096-position model
// holds 40 rows per layer; MemoryPlan.ForInference counts the same positions.
// Not here: sampling (Sampler.cs, TextGenerator.cs) or the recomputing fallback (RecomputingDecoder.cs).
using MoeFromScratch.Autograd;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

/// <summary>
/// Generation with one KV cache per layer: each Append runs only the new tokens. A sequence longer
/// than planned grows the caches (at least doubling, up to max_position_embeddings) and recomputes
/// its tokens once; when they hold max_position_embeddings it restarts from the last that many
/// tokens (as RecomputingDecoder's window).
/// </summary>
public sealed class KvCachedDecoder(DeepSeekMoe model, int positions) : IDecoder
{
    private KvCache[] _caches = model.NewCaches(positions: Math.Max(1, positions));
    private readonly List<int> _tokens = [];

    public int Capacity => _caches[0].Capacity;

    public float[] Append(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length == 0) throw new ArgumentException("Append: no tokens given");
        _tokens.AddRange(tokens.ToArray());
        int[] fresh = tokens.ToArray();
        if (_caches[0].Length + fresh.Length > Capacity)
        {
            int capacity = Math.Min(model.Config.MaxPositionEmbeddings, Math.Max(2 * Capacity, _tokens.Count));
            if (capacity > Capacity) Reallocate(capacity);
            foreach (var c in _caches) c.Clear();                               // recompute the last window
            fresh = _tokens.Skip(Math.Max(0, _tokens.Count - capacity)).ToArray();
        }
        using var scope = new TensorScope();
        using var noGrad = Grad.NoGrad();
        var ids = Tensor.FromArray(fresh, [1, fresh.Length], model.Backend);   // (1, T)
        var logits = model.Forward(ids, null, training: false, caches: _caches).Logits;
        using var last = logits.Data.Select(1, fresh.Length - 1).Select(0, 0); // (1, T, V) -> (V)
        return last.DType == DType.Float32 ? last.ToArray<float>() : Array.ConvertAll(last.ToDoubleArray(), v => (float)v);
    }

    private void Reallocate(int capacity)
    {
        Dispose();
        _caches = model.NewCaches(positions: capacity);
    }

    public void Dispose()
    {
        foreach (var c in _caches) c.Dispose();
    }
}
