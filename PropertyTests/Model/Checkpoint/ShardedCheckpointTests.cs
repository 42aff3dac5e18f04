// Sharded checkpoints: a shard limit splits the tensors over files plus an index that reads back
// to the same tensors, one shard means one model.safetensors, and an index that disagrees with its
// shards is refused naming the index, the tensor and the shard.
using System.Text.Json.Nodes;
using MoeFromScratch.Model.Checkpoint;
using static MoeFromScratch.PropertyTests.Model.Checkpoint.CheckpointFiles;

namespace MoeFromScratch.PropertyTests.Model.Checkpoint;

public sealed class ShardedCheckpointTests
{
    // 10 tensors of 4..40 floats (16..160 bytes in F32).
    private static List<(string Name, Tensor Tensor)> Tensors() =>
        Enumerable.Range(0, 10).Select(i => ($"layer.{i}.weight", RandomTensor([i + 1, 4], i))).ToList();

    [Theory]
    [InlineData(StoredDType.F32, 200, 6)]   // [16 32 48 64] [80 96] then one shard each
    [InlineData(StoredDType.BF16, 200, 3)]
    [InlineData(StoredDType.F32, 100, 8)]   // tensors over the limit get a shard of their own
    public void Sharded_round_trip(StoredDType dtype, long maxShardBytes, int expectedShards)
    {
        using var folder = new TempFolder();
        var tensors = Tensors();
        var files = ShardedCheckpoint.Write(folder.Path, tensors, dtype, maxShardBytes);
        Assert.Equal(expectedShards + 1, files.Count);
        Assert.Equal(ShardedCheckpoint.IndexFile, files[^1]);
        Assert.Equal($"model-00001-of-{expectedShards:00000}.safetensors", files[0]);

        var index = JsonNode.Parse(File.ReadAllText(folder.File(ShardedCheckpoint.IndexFile)))!;
        Assert.Equal(tensors.Sum(t => t.Tensor.Numel * dtype.SizeInBytes()), (long)index["metadata"]!["total_size"]!);
        Assert.Equal(10, index["weight_map"]!.AsObject().Count);
        foreach (var shard in files.SkipLast(1))
            Assert.True(SafeTensorsFile.ReadHeader(folder.File(shard)).Entries.Sum(e => e.End - e.Begin) <= maxShardBytes
                || SafeTensorsFile.ReadHeader(folder.File(shard)).Entries.Count == 1);

        foreach (var location in new[] { folder.Path, folder.File(ShardedCheckpoint.IndexFile) })
        {
            var back = ShardedCheckpoint.Read(location);
            Assert.Equal(tensors.Select(t => t.Name).Order(), back.Keys.Order());
            foreach (var (name, tensor) in tensors)
                Assert.Equal(Stored(dtype, Values(tensor)), Values(back[name]));
            Dispose(back.Values);
        }
        Dispose(tensors.Select(t => t.Tensor));
    }

    [Fact]
    public void One_shard_is_a_single_file_and_replaces_an_older_sharded_save()
    {
        using var folder = new TempFolder();
        var tensors = Tensors();
        ShardedCheckpoint.Write(folder.Path, tensors, StoredDType.F32, 100);
        Assert.Equal([ShardedCheckpoint.SingleFile], ShardedCheckpoint.Write(folder.Path, tensors, StoredDType.F32, 1 << 20));
        Assert.Equal([ShardedCheckpoint.SingleFile], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        var back = ShardedCheckpoint.Read(folder.Path);
        Assert.Equal(10, back.Count);
        Dispose(back.Values);
        Dispose(tensors.Select(t => t.Tensor));
    }

    [Fact]
    public void Index_naming_a_shard_without_the_tensor() =>
        CorruptIndex(map => map["layer.0.weight"] = "model-00002-of-00006.safetensors", "tensor 'layer.0.weight' is mapped to model-00002-of-00006.safetensors, which does not hold it");

    [Fact]
    public void Shard_tensor_missing_from_the_index() =>
        CorruptIndex(map => map.Remove("layer.1.weight"), "shard model-00001-of-00006.safetensors holds tensor 'layer.1.weight', which the weight_map does not list");

    [Fact]
    public void Index_pointing_outside_its_folder() =>
        CorruptIndex(map => map["layer.0.weight"] = "../elsewhere.safetensors", "weight_map 'layer.0.weight'", "must be a plain file name");

    [Fact]
    public void Index_pointing_at_a_missing_shard() =>
        CorruptIndex(map => map["layer.0.weight"] = "gone.safetensors", "gone.safetensors", "no such file; expected a safetensors file");

    [Fact]
    public void Index_that_is_not_json()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(ShardedCheckpoint.IndexFile), "{\"weight_map\": ");
        ModelAsserts.OneLineError(() => ShardedCheckpoint.Read(folder.Path), ShardedCheckpoint.IndexFile, "not valid JSON");
    }

    [Fact]
    public void Index_without_a_weight_map()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(ShardedCheckpoint.IndexFile), "{\"metadata\": {}}");
        ModelAsserts.OneLineError(() => ShardedCheckpoint.Read(folder.Path), ShardedCheckpoint.IndexFile, "'weight_map'");
    }

    [Fact]
    public void Folder_without_a_checkpoint()
    {
        using var folder = new TempFolder();
        ModelAsserts.OneLineError(() => ShardedCheckpoint.Read(folder.Path), folder.Path, "holds neither model.safetensors nor model.safetensors.index.json");
    }

    private static void CorruptIndex(Action<JsonObject> edit, params string[] expected)
    {
        using var folder = new TempFolder();
        var tensors = Tensors();
        ShardedCheckpoint.Write(folder.Path, tensors, StoredDType.F32, 200);
        Dispose(tensors.Select(t => t.Tensor));
        var indexPath = folder.File(ShardedCheckpoint.IndexFile);
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        edit(index["weight_map"]!.AsObject());
        File.WriteAllText(indexPath, index.ToJsonString());
        ModelAsserts.OneLineError(() => ShardedCheckpoint.Read(folder.Path), expected);
    }
}
