// A model folder in the HuggingFace layout: config.json beside the weights (one file or shards),
// the weights under their official names. Loading checks the names and shapes against what the
// config implies (ParameterLayout) from the headers alone, before reading any data, and reports
// every missing, unexpected and misshapen tensor in one line. Not here: building a model from the
// tensors (that is the model's job) or optimizer state.
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Checkpoint;

public static class ModelCheckpoint
{
    public const string ConfigFile = "config.json";

    /// <summary>Large enough for any model trained here in one file; HF's default is 5 GB.</summary>
    public const long DefaultMaxShardBytes = 2L << 30;

    public static void Save(string folder, MoeConfig config, IReadOnlyList<(string Name, Tensor Tensor)> weights,
        StoredDType dtype = StoredDType.F32, long maxShardBytes = DefaultMaxShardBytes)
    {
        Check(config, weights.ToDictionary(w => w.Name, w => w.Tensor.Shape), $"weights to save in {folder}");
        ShardedCheckpoint.Write(folder, weights, dtype, maxShardBytes);
        MoeConfigJson.Save(config, Path.Combine(folder, ConfigFile), dtype.TorchName());
    }

    /// <summary>The config and every weight of the model folder; the caller owns the tensors.</summary>
    public static (MoeConfig Config, Dictionary<string, Tensor> Weights) Load(string folder)
    {
        var config = MoeConfigJson.Load(Path.Combine(folder, ConfigFile));
        return (config, Load(folder, config));
    }

    /// <summary>The weights at location (folder, file or index), checked against config.</summary>
    public static Dictionary<string, Tensor> Load(string location, MoeConfig config)
    {
        CheckHeaders(location, config);
        return ShardedCheckpoint.Read(location);
    }

    /// <summary>The weights' names and shapes at location against config, from the headers alone: before a model is built.</summary>
    public static void CheckHeaders(string location, MoeConfig config)
    {
        var headers = ShardedCheckpoint.ReadHeaders(location);
        Check(config, headers.ToDictionary(h => h.Key, h => h.Value.Entry.Shape), $"checkpoint {location}");
    }

    /// <summary>Throws one CheckpointException listing what is missing, unexpected or misshapen.</summary>
    public static void Check(MoeConfig config, IReadOnlyDictionary<string, int[]> shapes, string source)
    {
        var expected = ParameterLayout.Of(config).ToDictionary(p => p.Name, p => p.Shape);
        var missing = expected.Keys.Where(name => !shapes.ContainsKey(name)).ToList();
        var unexpected = shapes.Keys.Where(name => !expected.ContainsKey(name)).ToList();
        var misshapen = expected.Where(p => shapes.TryGetValue(p.Key, out var s) && !Shape.SameShape(s, p.Value))
            .Select(p => $"{p.Key} is {Shape.Format(shapes[p.Key])}, config needs {Shape.Format(p.Value)}").ToList();
        if (missing.Count + unexpected.Count + misshapen.Count == 0) return;

        static string List(string what, List<string> items) =>
            items.Count == 0 ? "" : $"; {items.Count} {what}: {string.Join(", ", items.Take(3))}{(items.Count > 3 ? ", …" : "")}";
        throw new CheckpointException($"{source} does not match the config{List("missing", missing)}{List("unexpected", unexpected)}{List("with the wrong shape", misshapen)}");
    }
}
