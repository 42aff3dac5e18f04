// Bf16CheckpointTests: a checkpoint stored in bf16 (half the bytes on disk) keeps its HF layout,
// says so in config.json's torch_dtype, loads into a float32 model (each weight the bf16 value,
// widened exactly) and into a bf16 inference model (the same values), and saved again from either
// gives the same bytes: bf16 → float32 → bf16 is the identity.
using System.Text.Json.Nodes;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;

namespace MoeFromScratch.PropertyTests.Model.Checkpoint;

public sealed class Bf16CheckpointTests
{
    [Fact]
    public void A_bf16_checkpoint_states_its_dtype_and_round_trips_through_float32_and_bf16_models_to_the_same_bytes()
    {
        using var first = new TempFolder();
        using var fromFloat32 = new TempFolder();
        using var fromBf16 = new TempFolder();
        using (var trained = MicroModel.Build(DType.Float32)) ModelWeights.Save(trained, first.Path, StoredDType.BF16);
        Assert.Equal("bfloat16", (string?)JsonNode.Parse(File.ReadAllText(first.File(ModelCheckpoint.ConfigFile)))!["torch_dtype"]);
        Assert.All(ShardedCheckpoint.ReadHeaders(first.Path).Values, h => Assert.Equal(StoredDType.BF16, h.Entry.DType));

        using var wide = ModelWeights.Load(first.Path, Device.Cpu, DType.Float32);
        using var half = ModelWeights.Load(first.Path, Device.Cpu, Precision.Bf16.ForInference.Weights);
        foreach (var ((name, w), (_, h)) in wide.NamedParameters().Zip(half.NamedParameters()))
        {
            Assert.Equal(DType.BFloat16, h.DType);
            Assert.True(w.Data.ToDoubleArray().SequenceEqual(h.Data.ToDoubleArray()), $"{name}: the float32 and the bf16 model hold different values");
        }
        ModelWeights.Save(wide, fromFloat32.Path, StoredDType.BF16);
        ModelWeights.Save(half, fromBf16.Path, StoredDType.BF16);
        foreach (var file in Directory.GetFiles(first.Path).Select(Path.GetFileName))
        {
            Assert.Equal(File.ReadAllBytes(first.File(file!)), File.ReadAllBytes(fromFloat32.File(file!)));
            Assert.Equal(File.ReadAllBytes(first.File(file!)), File.ReadAllBytes(fromBf16.File(file!)));
        }
    }

    [Fact]
    public void A_float32_checkpoint_says_float32()
    {
        using var folder = new TempFolder();
        using (var model = MicroModel.Build(DType.Float32)) ModelWeights.Save(model, folder.Path);
        Assert.Equal("float32", (string?)JsonNode.Parse(File.ReadAllText(folder.File(ModelCheckpoint.ConfigFile)))!["torch_dtype"]);
    }
}
