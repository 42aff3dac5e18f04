// ModelWeights: a DeepSeekMoe model to and from a HuggingFace model folder (config.json + safetensors
// under the official tensor names, [out, in]), through ModelCheckpoint's name and shape checks.
// Every parameter keeps its Module name except the stacked routed experts, which saving cuts into
// the official per-expert [out, in] tensors and loading stacks back, by the mapping stated in
// Moe/StackedExperts.cs (reached through MoeLayer.OfficialTensors).
// Files are float32 (StoredDType.F32 by default); loading converts to the model's dtype and device.
// Official(...) is the same mapping for any per-parameter tensor (e.g. gradients): the parity test
// uses it to compare gradients by official name.
// Expert parallel: a rank's stacks hold experts First.. of E (ExpertShards); loading reads exactly
// those global names (so a checkpoint of any rank count loads at any other: resharding is slicing),
// and saving writes a stack under global names — all E when the pick hands it the whole gathered
// stack (E, in, out), the rank's own range when it hands the rank's (E/P, in, out).
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Checkpoint;

public static class ModelWeights
{
    /// <summary>Writes config.json and the weights under the official names.</summary>
    /// <summary>pick: the tensor to write for a parameter (default its Data; the gathered experts of every rank under expert parallelism).</summary>
    public static void Save(DeepSeekMoe model, string folder, StoredDType dtype = StoredDType.F32, Func<Parameter, Tensor>? pick = null)
    {
        using var scope = new TensorScope();   // the per-expert views
        ModelCheckpoint.Save(folder, model.Config, Official(model, pick ?? (p => p.Data)).ToList(), dtype);
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
            if (stacked.TryGetValue(p, out var stack))
            {
                // per expert [out, in] -> [in, out], stacked: E × (I, C) -> (E, C, I) (or E × (C, I) -> (E, I, C)); this rank's experts only
                source = Tensor.Concat(Enumerable.Range(stack.First, p.Shape[0])
                    .Select(e => Weight(weights, stack.Name(e)).Transpose(0, 1).Unsqueeze(0)).ToArray(), 0);
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
            if (!stacked.TryGetValue(p, out var info))
            {
                yield return (name, pick(p));
                continue;
            }
            var stack = pick(p);                                          // (E, in, out), or this rank's (E/P, in, out)
            int first = stack.Shape[0] == p.Shape[0] ? info.First : 0;    // the rank's own stack, or the whole gathered one
            for (int e = 0; e < stack.Shape[0]; e++)
                yield return (info.Name(first + e), stack.Select(0, e).Transpose(0, 1)); // (in, out) -> [out, in]
        }
    }

    // One projection's stack of a MoE layer: its layer, projection and the global id of its first expert.
    private sealed record ExpertStack(int Layer, string Projection, int First)
    {
        public string Name(int expert) => $"model.layers.{Layer}.mlp.experts.{expert}.{Projection}.weight";
    }

    private static Dictionary<Parameter, ExpertStack> Stacked(DeepSeekMoe model)
    {
        var map = new Dictionary<Parameter, ExpertStack>(ReferenceEqualityComparer.Instance);
        for (int l = 0; l < model.Decoder.Layers.Count; l++)
        {
            if (model.Decoder.Layers[l].Moe is not { } moe) continue;
            foreach (var (p, projection) in new[] { (moe.ExpertsGateProj, "gate_proj"), (moe.ExpertsUpProj, "up_proj"), (moe.ExpertsDownProj, "down_proj") })
                map[p] = new ExpertStack(l, projection, moe.Shards?.First ?? 0);
        }
        return map;
    }

    private static Tensor Weight(IReadOnlyDictionary<string, Tensor> weights, string name) =>
        weights.TryGetValue(name, out var t) ? t : throw new CheckpointException($"the checkpoint has no tensor '{name}'");
}
