// ModelFactory: the one place that turns a MoeConfig into a trainable ILanguageModel, so the
// commands (train, generate) never name a model class: the DeepSeekMoE model (Model/DeepSeekMoe.cs)
// built on `backend` in float32, initialised from `seed` (N(0, initializer_range), norms at one),
// behind the ILanguageModel adapter (DeepSeekMoeLanguageModel.cs).
using MoeFromScratch.Model;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

public static class ModelFactory
{
    public static ILanguageModel Create(MoeConfig config, IBackend backend, ulong seed) =>
        new DeepSeekMoeLanguageModel(new DeepSeekMoe(config, seed, backend, DType.Float32));
}
