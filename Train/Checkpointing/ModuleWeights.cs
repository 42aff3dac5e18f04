// Any module's weights to and from a HuggingFace-style folder (model.safetensors, or shards plus an
// index), under the names Module.NamedParameters() gives them, in float32 so nothing is rounded:
// the default behind ILanguageModel.SaveWeights/LoadWeights. With a MoeConfig the save also checks
// the names and shapes against the config's layout and writes config.json
// (Model/Checkpoint/ModelCheckpoint); without one (test models) it writes only the tensors. Loading
// copies into the existing parameters, on whatever device they live, and names every missing,
// unexpected or misshapen tensor. Not the DeepSeekMoE layout: that model's stacked experts are
// stored per expert under the official names (Model/Checkpoint/ModelWeights), which its
// ILanguageModel implementation uses instead.
using MoeFromScratch.Autograd;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Checkpointing;

public static class ModuleWeights
{
    /// <summary>pick: the tensor to write for a parameter (null: its Data).</summary>
    public static void Save(string folder, Module module, MoeConfig? config, Func<Parameter, Tensor>? pick = null)
    {
        var weights = module.NamedParameters().Select(np => (np.Name, pick?.Invoke(np.Parameter) ?? np.Parameter.Data)).ToList();
        if (config is null) ShardedCheckpoint.Write(folder, weights, StoredDType.F32, ModelCheckpoint.DefaultMaxShardBytes);
        else ModelCheckpoint.Save(folder, config, weights);
    }

    public static void Load(string folder, Module module)
    {
        var saved = ShardedCheckpoint.Read(folder);
        try
        {
            var parameters = module.NamedParameters().ToList();
            var names = parameters.Select(p => p.Name).ToHashSet();
            if (saved.Keys.FirstOrDefault(n => !names.Contains(n)) is { } unexpected)
                throw new CheckpointException($"{folder}: tensor '{unexpected}' belongs to no parameter of this model");
            foreach (var (name, p) in parameters)
            {
                if (!saved.TryGetValue(name, out var tensor))
                    throw new CheckpointException($"{folder}: tensor '{name}' is missing");
                if (!Shape.SameShape(tensor.Shape, p.Shape))
                    throw new CheckpointException($"{folder}: tensor '{name}' is {Shape.Format(tensor.Shape)}, the model needs {Shape.Format(p.Shape)}");
                using var moved = tensor.To(p.Backend, p.DType);
                p.Backend.Copy(moved, p.Data);
            }
        }
        finally
        {
            foreach (var t in saved.Values) t.Dispose();
        }
    }
}
