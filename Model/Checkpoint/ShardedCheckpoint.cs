// A checkpoint that may span several .safetensors files, as HuggingFace stores large models:
//   model.safetensors                                  when everything fits in one shard, or
//   model-00001-of-0000N.safetensors … + model.safetensors.index.json
//   index = {"metadata": {"total_size": bytes}, "weight_map": {tensor name: shard file}}
// Reading accepts a folder, a single file or an index; the index and the shards are checked
// against each other (each listed tensor is in its shard, each shard tensor is listed). Writing
// cuts shards greedily at a byte limit (a tensor larger than the limit gets a shard of its own).
// Known limit: each file is replaced atomically, but a save is not atomic across files.
using System.Text;
using System.Text.Json;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Checkpoint;

public static class ShardedCheckpoint
{
    /// <summary>The file name when one shard holds every tensor.</summary>
    public const string SingleFile = "model.safetensors";

    /// <summary>The index that maps each tensor to its shard when there are several.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Writes one file or shards plus an index into folder; returns the file names written.</summary>
    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<(string Name, Tensor Tensor)> tensors, StoredDType dtype, long maxShardBytes)
    {
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), "the shard size limit must be positive");
        Directory.CreateDirectory(folder);
        long Bytes((string, Tensor Tensor) t) => t.Tensor.Numel * dtype.SizeInBytes();

        var shards = new List<List<(string Name, Tensor Tensor)>> { new() };
        long current = 0;
        foreach (var t in tensors)
        {
            if (current > 0 && current + Bytes(t) > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(t);
            current += Bytes(t);
        }

        if (shards.Count == 1)
        {
            SafeTensorsFile.Write(Path.Combine(folder, SingleFile), tensors, dtype);
            RemoveStale(folder, keep: [SingleFile]);
            return [SingleFile];
        }
        var names = shards.Select((_, i) => $"model-{i + 1:00000}-of-{shards.Count:00000}.safetensors").ToList();
        for (int i = 0; i < shards.Count; i++)
            SafeTensorsFile.Write(Path.Combine(folder, names[i]), shards[i], dtype);
        var weightMap = shards.SelectMany((shard, i) => shard.Select(t => (t.Name, File: names[i])));
        WriteIndex(Path.Combine(folder, IndexFile), weightMap, tensors.Sum(Bytes));
        RemoveStale(folder, keep: [.. names, IndexFile]);
        return [.. names, IndexFile];
    }

    /// <summary>Every tensor of the checkpoint at a folder, a .safetensors file or an index; the caller owns them.</summary>
    public static Dictionary<string, Tensor> Read(string location)
    {
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var shard in ReadHeaders(location).GroupBy(h => h.Value.File))
            {
                var wanted = shard.Select(h => h.Key).ToHashSet();
                foreach (var (name, tensor) in SafeTensorsFile.Read(shard.Key, wanted.Contains))
                    result.Add(name, tensor);
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Name → (file, header entry) for every tensor, validated, without reading any data.</summary>
    public static Dictionary<string, (string File, SafeTensorsEntry Entry)> ReadHeaders(string location)
    {
        var path = Locate(location);
        if (!path.EndsWith(".index.json", StringComparison.Ordinal))
            return SafeTensorsFile.ReadHeader(path).Entries.ToDictionary(e => e.Name, e => (path, e));

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var weightMap = ReadIndex(path);
        var result = new Dictionary<string, (string File, SafeTensorsEntry Entry)>();
        foreach (var shard in weightMap.GroupBy(w => w.Value))
        {
            var shardPath = Path.Combine(folder, shard.Key);
            var entries = SafeTensorsFile.ReadHeader(shardPath).Entries.ToDictionary(e => e.Name);
            foreach (var (name, _) in shard)
                result.Add(name, (shardPath, entries.TryGetValue(name, out var e) ? e
                    : throw new CheckpointException($"{path}: tensor '{name}' is mapped to {shard.Key}, which does not hold it")));
            if (entries.Keys.FirstOrDefault(n => !weightMap.ContainsKey(n)) is { } unlisted)
                throw new CheckpointException($"{path}: shard {shard.Key} holds tensor '{unlisted}', which the weight_map does not list");
        }
        return result;
    }

    private static string Locate(string location)
    {
        if (File.Exists(location)) return location;
        if (!Directory.Exists(location))
            throw new CheckpointException($"{location}: no such checkpoint file or folder");
        foreach (var name in new[] { IndexFile, SingleFile })
            if (File.Exists(Path.Combine(location, name))) return Path.Combine(location, name);
        throw new CheckpointException($"{location}: holds neither {SingleFile} nor {IndexFile}");
    }

    // ---- the index file ----------------------------------------------------------------------------

    private static readonly RegularFile.Kind IndexKind = new(UserErrorKind.Checkpoint, "a safetensors index of at most 64 MiB", 64 * RegularFile.MiB, m => new CheckpointException(m));

    private static Dictionary<string, string> ReadIndex(string path)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(RegularFile.ReadAllText(path, IndexKind)); }
        catch (JsonException e) { throw new CheckpointException($"{path}: not valid JSON: {e.Message.ReplaceLineEndings(" ")}"); }
        using var _ = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"{path}: expected an object with a 'weight_map' object");

        var weightMap = new Dictionary<string, string>();
        foreach (var entry in map.EnumerateObject())
        {
            string where = $"{path}: weight_map '{entry.Name}'";
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new CheckpointException($"{where} must be a shard file name, got {entry.Value.ValueKind}");
            var file = entry.Value.GetString()!;
            if (file.Length == 0 || file != Path.GetFileName(file) || file is "." or "..")
                throw new CheckpointException($"{where} = \"{file}\" must be a plain file name in the index's folder");
            if (!weightMap.TryAdd(entry.Name, file))
                throw new CheckpointException($"{where} appears twice");
        }
        return weightMap;
    }

    private static void WriteIndex(string path, IEnumerable<(string Name, string File)> weightMap, long totalSize)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteNumber("total_size", totalSize);
            w.WriteEndObject();
            w.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap.OrderBy(m => m.Name, StringComparer.Ordinal))
                w.WriteString(name, file);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        buffer.Write(Encoding.UTF8.GetBytes("\n"));
        AtomicFile.Write(path, stream => buffer.WriteTo(stream));
    }

    // A checkpoint saved over an older one of another shape must not be read back mixed with it.
    private static void RemoveStale(string folder, IReadOnlyCollection<string> keep)
    {
        var stale = Directory.EnumerateFiles(folder, "model-*-of-*.safetensors").Select(Path.GetFileName)
            .Append(SingleFile).Append(IndexFile)
            .Where(name => !keep.Contains(name!) && File.Exists(Path.Combine(folder, name!)));
        foreach (var name in stale.ToList()) File.Delete(Path.Combine(folder, name!));
    }
}
