// DeepSeekMoeLanguageModel: the DeepSeekMoE model (Model/DeepSeekMoe.cs) seen through the small
// ILanguageModel surface the trainer, the checkpoints and `moe generate` use. Forward runs in
// training mode (balance losses on) whenever a graph is being recorded, in inference mode under
// Grad.NoGrad() (validation, generation), as the official model's self.training would be.
// StartDecoding returns a KV-cached decoder (KvCachedDecoder.cs) instead of the recomputing one,
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

    public LmOutput Forward(Tensor tokens, Tensor? targets) => Forward(tokens, targets, mask: null);

    /// <summary>Packed rows attend within their segments only (CausalMask.ForSegments); the mask's
    /// tensor belongs to the caller's TensorScope, like the batch's.</summary>
    public LmOutput Forward(TrainingBatch batch) => Forward(batch.Inputs, batch.Targets,
        batch.Segments is null ? null : CausalMask.ForSegments(batch.Segments, batch.Inputs.Shape[0], batch.Inputs.Shape[1], Model.Backend, Model.ComputeDType));

    private LmOutput Forward(Tensor tokens, Tensor? targets, CausalMask? mask)
    {
        var output = Model.Forward(tokens, targets, training: Grad.IsEnabled, mask: mask);
        var losses = LossParts.OnDevice(output.Loss?.Data, output.LmLoss?.Data,
            [.. output.MoeLayers.Select(r => r.Output.AuxLoss.Data)], [.. output.MoeLayers.Select(r => r.Output.ExpertLoad)]);
        return new LmOutput(output.Loss, losses, output.Logits, [.. output.MoeLayers.Select(r => r.Layer)]);
    }

    public IDecoder StartDecoding(int positions) => new KvCachedDecoder(Model, positions);

    /// <summary>An HF model folder: the stacked routed experts are written per expert under the official names.</summary>
    public void SaveWeights(string folder, MoeConfig? config, Func<Parameter, Tensor>? pick = null) => ModelWeights.Save(Model, folder, pick: pick);

    public void LoadWeights(string folder) => ModelWeights.LoadInto(Model, folder);

    public void Dispose() => Model.Dispose();
}
