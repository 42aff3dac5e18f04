// Fuzz of safetensors checkpoints (ModelCheckpoint.Load against a micro config): byte damage of a
// valid file, structural damage of its JSON header (wrong dtype, shape, offsets, unknown or missing
// tensors, overlapping ranges), and lying 8-byte header lengths. A file that loads must hold
// exactly the config's tensors with the config's shapes.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.PropertyTests.Model.Checkpoint;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class SafeTensorsFuzzTests(ITestOutputHelper output) : FuzzFolderTests
{
    internal static readonly MoeConfig Micro = MoePresets.Tiny with
    {
        VocabSize = 16,
        HiddenSize = 8,
        IntermediateSize = 8,
        MoeIntermediateSize = 4,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 2,
        NRoutedExperts = 4,
        NumExpertsPerTok = 2,
    };


    [Fact]
    public void Every_safetensors_file_loads_consistently_or_is_refused_in_one_line()
    {
        string validPath = Folder.File("valid.safetensors");
        var weights = ParameterLayout.Of(Micro).Select((p, i) => (p.Name, CheckpointFiles.RandomTensor(p.Shape, i))).ToList();
        SafeTensorsFile.Write(validPath, weights, StoredDType.BF16);
        foreach (var (_, t) in weights) t.Dispose();
        byte[] valid = File.ReadAllBytes(validPath);
        string path = Folder.File("fuzz.safetensors");

        var gen = Gen.Zip(Gen.Choose(0, 2), Gen.Choose(0, int.MaxValue));
        var report = Fuzz.Run("safetensors", gen, c =>
        {
            var random = new Random(c.Item2);
            byte[] bytes = c.Item1 switch
            {
                0 => Mutate.Bytes(valid, random),
                1 => WithHeader(valid, h => Mutate.Json(h, random), random),
                _ => LyingLength(valid, random),
            };
            File.WriteAllBytes(path, bytes);
            return new FuzzInput(path, bytes.Length, () => Check(path));
        });
        output.WriteLine(report.ToString());
    }

    private static void Check(string path)
    {
        var loaded = ModelCheckpoint.Load(path, Micro);
        try
        {
            var expected = ParameterLayout.Of(Micro).ToDictionary(p => p.Name, p => p.Shape);
            Assert.Equal(expected.Keys.Order(), loaded.Keys.Order());
            foreach (var (name, tensor) in loaded) Assert.Equal(expected[name], tensor.Shape);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    // The file with its JSON header replaced by edit(header); the data buffer kept, or cut short.
    private static byte[] WithHeader(byte[] file, Func<JsonNode, JsonNode> edit, Random random)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = edit(JsonNode.Parse(file.AsSpan(8, length))!);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var data = file.AsSpan(8 + length);
        if (random.Next(4) == 0) data = data[..random.Next(data.Length + 1)];
        var result = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)json.Length);
        json.CopyTo(result, 8);
        data.CopyTo(result.AsSpan(8 + json.Length));
        return result;
    }

    // A valid file whose 8-byte header length is a lie: huge, past the end, or a little off.
    private static byte[] LyingLength(byte[] file, Random random)
    {
        var result = (byte[])file.Clone();
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        ulong lie = random.Next(5) switch
        {
            0 => ulong.MaxValue - (ulong)random.Next(16),
            1 => (ulong)SafeTensorsHeader.MaxHeaderBytes - (ulong)random.Next(16),
            2 => (ulong)file.Length - 8 + (ulong)random.Next(1, 1000),
            3 => 1UL << random.Next(64),
            _ => length + (ulong)random.Next(-8, 9),
        };
        BinaryPrimitives.WriteUInt64LittleEndian(result, lie);
        return result;
    }
}
