// ILanguageModel: the small surface the trainer, the checkpoints and `moe generate` need from a
// language model, so the loop is written (and tested) apart from any one model. The DeepSeekMoE
// model implements it (DeepSeekMoeLanguageModel.cs); tests use a tiny stand-in
// (PropertyTests/Training/BigramLm.cs).
// It is deliberately minimal: no config, no device moves, no train/eval modes (nothing here uses
// dropout). Names of Module.NamedParameters() are the checkpoint's tensor names.
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Checkpointing;

namespace MoeFromScratch.Train.Training;

public interface ILanguageModel
{
    /// <summary>The parameters (with their checkpoint names) live in this module tree.</summary>
    Module Module { get; }

    /// <summary>V: token ids are 0..V-1.</summary>
    int VocabSize { get; }

    /// <summary>The longest sequence Forward accepts (max_position_embeddings).</summary>
    int MaxSequenceLength { get; }

    /// <summary>
    /// tokens: (B, T) int32 on the model's device; targets: (B, T) int32 next tokens, or null when
    /// only logits are wanted. Records a graph unless called under Grad.NoGrad().
    /// </summary>
    LmOutput Forward(Tensor tokens, Tensor? targets);

    /// <summary>A training batch; a model that can keep packed examples apart (Segments) overrides this.</summary>
    LmOutput Forward(TrainingBatch batch) => batch.Segments is null ? Forward(batch.Inputs, batch.Targets)
        : throw new NotSupportedException($"{GetType().Name} cannot keep the packed examples of a row apart");

    /// <summary>
    /// Writes the weights into a checkpoint folder (with config.json when a config is given). The
    /// default stores NamedParameters() as they are; a model with an official on-disk layout overrides it.
    /// </summary>
    /// pick: what to write for a parameter (null: its Data); expert parallelism hands the gathered experts of every rank.
    void SaveWeights(string folder, MoeConfig? config, Func<Parameter, Tensor>? pick = null) =>
        ModuleWeights.Save(folder, Module, config, pick);

    /// <summary>Loads weights written by <see cref="SaveWeights"/> into the existing parameters.</summary>
    void LoadWeights(string folder) => ModuleWeights.Load(folder, Module);

    /// <summary>
    /// Generation: a decoder that takes tokens a few at a time and returns the next-token logits.
    /// The default recomputes the whole prefix each call; a model with a KV cache overrides it, sizing
    /// the cache by positions (the prompt and the tokens to generate; a longer sequence grows it).
    /// </summary>
    IDecoder StartDecoding(int positions) => new RecomputingDecoder(this);
}

/// <summary>What one forward pass gives the trainer.</summary>
/// <param name="Loss">The training objective, LM loss + Σ_layers aux_l (a sum, paper eq. 12);
/// null when Forward had no targets.</param>
/// <param name="Losses">The objective, the mean next-token cross-entropy (NaN without targets) and the balance
/// loss and expert load of each MoE layer (none for a dense model), still on the device: Losses.Read() is one read-back.</param>
/// <param name="Logits">(B, T, V), or null when the model did not keep them.</param>
/// <param name="MoeLayers">The model layer index (model.layers.N) of each AuxPerLayer / ExpertLoadPerLayer entry;
/// null: numbered by position.</param>
public sealed record LmOutput(
    Variable? Loss,
    LossParts Losses,
    Variable? Logits,
    IReadOnlyList<int>? MoeLayers = null);

/// <summary>Incremental decoding for generation; each instance holds one sequence's state.</summary>
public interface IDecoder : IDisposable
{
    /// <summary>Appends tokens (at least one) to the sequence; returns the logits (V) of the token after them.</summary>
    float[] Append(ReadOnlySpan<int> tokens);
}
