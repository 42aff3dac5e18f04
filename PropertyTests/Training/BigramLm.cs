// BigramLm: the small honest language model the trainer tests drive (the trainer takes any
// ILanguageModel, and this one keeps those tests fast): embedding → RMSNorm → Linear (with bias)
// to the vocabulary, so each next token depends on the current one only. It has both kinds of parameters AdamW treats differently (matrices,
// and the 1-D norm scale and bias). No aux loss, no experts: those lists are empty.
// PoisonedForwards makes the next forwards' loss NaN, to test the trainer's skipping.
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class BigramLm : Module, ILanguageModel
{
    public BigramLm(int vocab, int channels, ulong seed, IBackend backend)
    {
        VocabSize = vocab;
        Embed = new Embedding(vocab, channels, seed, backend: backend);
        Norm = new RmsNorm(channels, backend: backend);
        Head = new Linear(channels, vocab, bias: true, seed: seed + 10, backend: backend);
    }

    public Embedding Embed { get; }
    public RmsNorm Norm { get; }
    public Linear Head { get; }

    public int PoisonedForwards { get; set; }

    public Module Module => this;
    public int VocabSize { get; }
    public int MaxSequenceLength => 64;

    public LmOutput Forward(Tensor tokens, Tensor? targets)
    {
        var logits = Head.Forward(Norm.Forward(Embed.Forward(tokens)));        // (B, T) -> (B, T, C) -> (B, T, V)
        if (targets is null) return new LmOutput(null, LossParts.Known(double.NaN, double.NaN, []), logits);
        using var flatTargets = targets.Reshape(-1);                            // (N)
        var loss = Functional.CrossEntropy(logits.Reshape(-1, VocabSize), flatTargets);  // (N, V) -> ()
        if (PoisonedForwards > 0)
        {
            PoisonedForwards--;
            loss = loss * double.NaN;
        }
        return new LmOutput(loss, LossParts.OnDevice(loss.Data, loss.Data, []), logits);
    }
}
