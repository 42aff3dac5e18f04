// ModelWeights: a DeepSeekMoe model to and from a HuggingFace model folder (config.json + safetensors
// under the official tensor names, [out, in]), through ModelCheckpoint's name and shape checks.
// Every parameter keeps its Module name except the stacked routed experts, which saving cuts into
// the official per-expert [out, in] tensors and loading stacks back, by the mapping stated in
// Moe/StackedExperts.cs (reached through MoeLayer.OfficialTensors).
// Files are float32 (StoredDType.F32 by default); loading converts to the model's dtype and device.
// Official(...) is the same mapping for any per-parameter tensor (e.g. gradients): the parity test
// uses it to compare gradients by official name.
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Checkpoint;

public static class ModelWeights
{
    /// <summary>Writes config.json and the weights under the official names.</summary>
    public static void Save(DeepSeekMoe model, string folder, StoredDType dtype = StoredDType.F32)
    {
        using var scope = new TensorScope();   // the per-expert views
        ModelCheckpoint.Save(folder, model.Config, Official(model, p => p.Data).ToList(), dtype);
    }

    /// <summary>A model built from a folder's config.json and weights, on backend in dtype.</summary>
    public static DeepSeekMoe Load(string folder, IBackend? backend = null, DType dtype = DType.Float32)
    {
        var config = MoeConfigJson.Load(Path.Combine(folder, ModelCheckpoint.ConfigFile));
        ModelCheckpoint.CheckHeaders(folder, config);   // before the model is built
        var model = new DeepSeekMoe(config, seed: 0, backend, dtype);
        try
        {
            LoadInto(model, folder);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Copies a folder's weights (checked against the model's config) into the model's parameters.</summary>
    public static void LoadInto(DeepSeekMoe model, string folder)
    {
        var weights = ModelCheckpoint.Load(folder, model.Config);
        try
        {
            LoadInto(model, weights);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>Copies official-named tensors (any device or dtype, already checked) into the model's parameters.</summary>
    public static void LoadInto(DeepSeekMoe model, IReadOnlyDictionary<string, Tensor> weights)
    {
        using var scope = new TensorScope();
        var stacked = Stacked(model);
        foreach (var (name, p) in model.NamedParameters())
        {
            Tensor source;
            if (stacked.TryGetValue(p, out var experts))
            {
                // per expert [out, in] -> [in, out], stacked: E × (I, C) -> (E, C, I) (or E × (C, I) -> (E, I, C))
                source = Tensor.Concat(experts.Select(e => Weight(weights, e).Transpose(0, 1).Unsqueeze(0)).ToArray(), 0);
            }
            else source = Weight(weights, name);
            if (!Shape.SameShape(source.Shape, p.Shape))
                throw new CheckpointException($"tensor '{name}' is {Shape.Format(source.Shape)}, the model needs {Shape.Format(p.Shape)}");
            p.Backend.Copy(source.To(p.Backend, p.DType), p.Data);
        }
    }

    /// <summary>
    /// pick(parameter) (Data, Grad, ...) under the official names, in the model's parameter order;
    /// stacked experts become one [out, in] view per expert. Views: valid while the tensors live.
    /// </summary>
    public static IEnumerable<(string Name, Tensor Tensor)> Official(DeepSeekMoe model, Func<Parameter, Tensor> pick)
    {
        var stacked = Stacked(model);
        foreach (var (name, p) in model.NamedParameters())
        {
            if (!stacked.TryGetValue(p, out var experts))
            {
                yield return (name, pick(p));
                continue;
            }
            var stack = pick(p);                                          // (E, in, out)
            for (int e = 0; e < experts.Length; e++)
                yield return (experts[e], stack.Select(0, e).Transpose(0, 1)); // (in, out) -> [out, in]
        }
    }

    // Each stacked expert parameter with the official names of its E slices.
    private static Dictionary<Parameter, string[]> Stacked(DeepSeekMoe model)
    {
        var map = new Dictionary<Parameter, string[]>(ReferenceEqualityComparer.Instance);
        for (int l = 0; l < model.Decoder.Layers.Count; l++)
        {
            if (model.Decoder.Layers[l].Moe is not { } moe) continue;
            foreach (var (p, projection) in new[] { (moe.ExpertsGateProj, "gate_proj"), (moe.ExpertsUpProj, "up_proj"), (moe.ExpertsDownProj, "down_proj") })
                map[p] = Enumerable.Range(0, p.Shape[0]).Select(e => $"model.layers.{l}.mlp.experts.{e}.{projection}.weight").ToArray();
        }
        return map;
    }

    private static Tensor Weight(IReadOnlyDictionary<string, Tensor> weights, string name) =>
        weights.TryGetValue(name, out var t) ? t : throw new CheckpointException($"the checkpoint has no tensor '{name}'");
}
