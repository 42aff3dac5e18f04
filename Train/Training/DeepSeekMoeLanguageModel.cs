// DeepSeekMoeLanguageModel: the DeepSeekMoE model (Model/DeepSeekMoe.cs) seen through the small
// ILanguageModel surface the trainer, the checkpoints and `moe generate` use. Forward runs in
// training mode (balance losses on) whenever a graph is being recorded, in inference mode under
// Grad.NoGrad() (validation, generation), as the official model's self.training would be.
// StartDecoding returns a KV-cached decoder (KvCachedDecoder below) instead of the recomputing one,
// and the weights go to disk in the official HF layout (Model/Checkpoint/ModelWeights).
using MoeFromScratch.Autograd;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

public sealed class DeepSeekMoeLanguageModel(DeepSeekMoe model) : ILanguageModel, IDisposable
{
    public DeepSeekMoe Model { get; } = model;
    public Module Module => Model;
    public int VocabSize => Model.Config.VocabSize;
    public int MaxSequenceLength => Model.Config.MaxPositionEmbeddings;

    public LmOutput Forward(Tensor tokens, Tensor? targets)
    {
        var output = Model.Forward(tokens, targets, training: Grad.IsEnabled);
        var auxPerLayer = output.MoeLayers.Select(r => r.Output.AuxLoss.Item()).ToList();
        var loads = output.MoeLayers.Select(r => r.Output.ExpertLoad).ToList();
        return new LmOutput(output.Loss, output.LmLoss?.Item() ?? double.NaN, auxPerLayer.Sum(), auxPerLayer, loads, output.Logits);
    }

    public IDecoder StartDecoding() => new KvCachedDecoder(Model);

    /// <summary>An HF model folder: the stacked routed experts are written per expert under the official names.</summary>
    public void SaveWeights(string folder, MoeConfig? config) => ModelWeights.Save(Model, folder);

    public void LoadWeights(string folder) => ModelWeights.LoadInto(Model, folder);

    public void Dispose() => Model.Dispose();
}

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
