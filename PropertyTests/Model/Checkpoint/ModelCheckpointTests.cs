// Model folders: config.json + weights under the official names round trip, and a checkpoint
// that does not fit the config (missing, unexpected, misshapen tensors) is refused from its
// headers, in one line that lists what is wrong.
using MoeFromScratch.Model.Checkpoint;
using static MoeFromScratch.PropertyTests.Model.Checkpoint.CheckpointFiles;

namespace MoeFromScratch.PropertyTests.Model.Checkpoint;

public sealed class ModelCheckpointTests
{
    private static List<(string Name, Tensor Tensor)> Weights(MoeConfig config) =>
        ParameterLayout.Of(config).Select((p, i) => (p.Name, RandomTensor(p.Shape, i))).ToList();

    [Theory]
    [InlineData("tiny", StoredDType.F32, ModelCheckpoint.DefaultMaxShardBytes)]
    [InlineData("tiny", StoredDType.BF16, 20_000)]
    [InlineData("small-hash", StoredDType.F16, 1_000_000)]
    public void Save_and_load_a_model_folder(string preset, StoredDType dtype, long maxShardBytes)
    {
        using var folder = new TempFolder();
        var config = MoePresets.Resolve(preset);
        var weights = Weights(config);
        ModelCheckpoint.Save(folder.Path, config, weights, dtype, maxShardBytes);
        var (loadedConfig, loaded) = ModelCheckpoint.Load(folder.Path);
        Assert.Equal(config, loadedConfig);
        Assert.Equal(weights.Count, loaded.Count);
        foreach (var (name, tensor) in weights)
            Assert.Equal(Stored(dtype, Values(tensor)), Values(loaded[name]));
        Dispose(loaded.Values);
        Dispose(weights.Select(w => w.Tensor));
    }

    [Fact]
    public void Missing_unexpected_and_misshapen_tensors_are_listed()
    {
        using var folder = new TempFolder();
        var weights = Weights(MoePresets.Tiny);
        var broken = weights.Where(w => w.Name != "model.layers.1.mlp.gate.weight" && w.Name != "lm_head.weight")
            .Select(w => w.Name == "model.norm.weight" ? (w.Name, RandomTensor([65], 0)) : w)
            .Append(("model.layers.1.mlp.experts.8.up_proj.weight", RandomTensor([32, 64], 0)))
            .ToList();
        ShardedCheckpoint.Write(folder.Path, broken, StoredDType.F32, 1 << 30);
        ModelAsserts.OneLineError(() => ModelCheckpoint.Load(folder.Path, MoePresets.Tiny),
            $"checkpoint {folder.Path} does not match the config",
            "2 missing: model.layers.1.mlp.gate.weight, lm_head.weight",
            "1 unexpected: model.layers.1.mlp.experts.8.up_proj.weight",
            "1 with the wrong shape: model.norm.weight is (65), config needs (64)");
        Dispose(weights.Select(w => w.Tensor));
    }

    [Fact]
    public void Weights_of_another_config_are_refused()
    {
        using var folder = new TempFolder();
        var weights = Weights(MoePresets.Tiny);
        ShardedCheckpoint.Write(folder.Path, weights, StoredDType.BF16, 1 << 30);
        ModelAsserts.OneLineError(() => ModelCheckpoint.Load(folder.Path, MoePresets.Tiny with { NRoutedExperts = 4 }),
            "unexpected: model.layers.1.mlp.experts.4.gate_proj.weight", "wrong shape: model.layers.1.mlp.gate.weight is (8, 64), config needs (4, 64)");
        Dispose(weights.Select(w => w.Tensor));
    }

    [Fact]
    public void Saving_weights_that_do_not_fit_the_config_is_refused()
    {
        using var folder = new TempFolder();
        var weights = Weights(MoePresets.Tiny);
        ModelAsserts.OneLineError(() => ModelCheckpoint.Save(folder.Path, MoePresets.Small, weights), "does not match the config");
        Assert.Empty(Directory.GetFiles(folder.Path));
        Dispose(weights.Select(w => w.Tensor));
    }

    [Fact]
    public void Folder_without_config()
    {
        using var folder = new TempFolder();
        ModelAsserts.OneLineError(() => ModelCheckpoint.Load(folder.Path), "config.json", "no such file; expected a config.json");
    }
}
