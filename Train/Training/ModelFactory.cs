// ModelFactory: the one place that turns a MoeConfig into a trainable ILanguageModel, so the
// commands (train, generate) never name a model class: the DeepSeekMoE model (Model/DeepSeekMoe.cs)
// built on `backend` in a Precision (float32 unless asked), initialised from `seed` (N(0, initializer_range), norms at one),
// behind the ILanguageModel adapter (DeepSeekMoeLanguageModel.cs); and the one place that loads a
// trained model to use it (generate, chat): a checkpoint, a run folder's latest, or an HF folder,
// its weights read into the inference dtype (bf16: half the memory).
using MoeFromScratch.Model;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.Train.Training;

public static class ModelFactory
{
    /// <summary>expertParallel: the world whose ranks split the routed experts (null: this process holds them all);
    /// precision: the weights' and the computation's dtypes (default fp32).</summary>
    public static ILanguageModel Create(MoeConfig config, IBackend backend, ulong seed, Distributed.ICommunicator? expertParallel = null, Precision? precision = null)
    {
        precision ??= Precision.Fp32;
        return new DeepSeekMoeLanguageModel(new DeepSeekMoe(config, seed, backend, precision.Weights, expertParallel, precision.Compute));
    }

    /// <summary>A trained model and its tokenizer from a checkpoint folder, a run folder (its latest
    /// checkpoint) or any folder with config.json, model.safetensors and tokenizer.json. Every part is
    /// checked against the others (ModelFolder) and the memory `plan` against the device before a
    /// weight is read.</summary>
    public static (ILanguageModel Model, BpeTokenizer Tokenizer, string Folder) Load(string path, IBackend backend, Func<MoeConfig, MemoryPlan> plan, Precision? precision = null)
    {
        string folder = ModelFolder.Resolve(path);
        var config = ModelFolder.CheckedConfig(folder, backend, plan);
        var tokenizer = ModelFolder.Tokenizer(folder, config);
        var model = Create(config, backend, seed: 0, precision: precision?.ForInference);
        model.LoadWeights(folder);
        return (model, tokenizer, folder);
    }
}
