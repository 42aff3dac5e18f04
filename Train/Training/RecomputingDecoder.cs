// RecomputingDecoder: generation without a KV cache. It remembers the sequence and runs the whole
// prefix (the last MaxSequenceLength tokens) through Forward for every new token: O(T²) work per
// token, obviously correct, and the oracle a cached decoder is tested against.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

public sealed class RecomputingDecoder(ILanguageModel model) : IDecoder
{
    private readonly List<int> _tokens = [];

    public float[] Append(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length == 0) throw new ArgumentException("Append: no tokens given");
        _tokens.AddRange(tokens.ToArray());
        var window = _tokens.Skip(Math.Max(0, _tokens.Count - model.MaxSequenceLength)).ToArray();
        var backend = model.Module.Parameters().First().Backend;
        using var scope = new TensorScope();
        using var noGrad = Grad.NoGrad();
        var ids = Tensor.FromArray(window, [1, window.Length], backend);           // (1, T)
        var logits = model.Forward(ids, null).Logits
            ?? throw new InvalidOperationException("the model returned no logits without targets");
        using var last = logits.Data.Select(1, window.Length - 1).Select(0, 0);   // (1, T, V) -> (V)
        return last.ToArray<float>();
    }

    public void Dispose() { }
}
