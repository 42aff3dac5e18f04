// ModelFactory: the one place that turns a MoeConfig into a trainable ILanguageModel, so the
// commands (train, generate) never name a model class. The DeepSeekMoE model (Model/**) has not
// landed in this branch yet: until it is wired here, Create says so in one line.
// Integrator: return the DeepSeekMoE model built on `backend`, initialised from `seed` (normal
// init with std config.InitializerRange), adapted to ILanguageModel (see ILanguageModel.cs).
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

/// <summary>A model that this build cannot construct; the name ends in UnavailableException so the CLI reports it in one line.</summary>
public sealed class ModelUnavailableException(string message) : NotSupportedException(message);

public static class ModelFactory
{
    public static ILanguageModel Create(MoeConfig config, IBackend backend, ulong seed) =>
        throw new ModelUnavailableException($"the DeepSeekMoE model has not landed yet (config {config.MoeKind}, {config.NumHiddenLayers} layers, on {backend.Name}, seed {seed})");
}
