// .safetensors files: random tensors round trip in F32 (exactly), F16 and BF16 (to the rounded
// values); the bytes we write are the format's (checked against a file assembled by hand from the
// format description); and every corruption is refused with one line naming file and tensor.
using System.Buffers.Binary;
using System.Text;
using MoeFromScratch.Model.Checkpoint;
using static MoeFromScratch.PropertyTests.Model.Checkpoint.CheckpointFiles;

namespace MoeFromScratch.PropertyTests.Model.Checkpoint;

public sealed record TensorListCase(int[][] Shapes, StoredDType DType, int Seed)
{
    public override string ToString() => $"{DType} seed={Seed} shapes=[{string.Join(" ", Shapes.Select(s => Shape.Format(s)))}]";
}

public sealed class SafeTensorsTests
{
    public static Arbitrary<TensorListCase> Cases() =>
        (from count in Gen.Choose(1, 6)
         from shapes in Gen.ArrayOf(Gen.Choose(0, 3).SelectMany(rank => Gen.ArrayOf(Gen.Choose(0, 7), rank)), count)
         from dtype in Gen.Elements(StoredDType.F32, StoredDType.F16, StoredDType.BF16)
         from seed in Gen.Choose(0, 1_000_000)
         select new TensorListCase(shapes, dtype, seed)).ToArbitrary();

    [Property(Arbitrary = [typeof(SafeTensorsTests)], MaxTest = 60)]
    public void Random_tensors_round_trip(TensorListCase c)
    {
        using var folder = new TempFolder();
        var path = folder.File("t.safetensors");
        var tensors = c.Shapes.Select((shape, i) => ($"t.{i}", RandomTensor(shape, c.Seed + i))).ToList();
        try
        {
            SafeTensorsFile.Write(path, tensors, c.DType);
            var back = SafeTensorsFile.Read(path);
            try
            {
                Assert.Equal(tensors.Select(t => t.Item1), back.Keys);
                foreach (var (name, tensor) in tensors)
                {
                    Assert.Equal(tensor.Shape, back[name].Shape);
                    Assert.Equal(Stored(c.DType, Values(tensor)), Values(back[name]));
                }
            }
            finally { Dispose(back.Values); }
        }
        finally { Dispose(tensors.Select(t => t.Item2)); }
    }

    [Theory]
    [InlineData(StoredDType.F32)]
    [InlineData(StoredDType.F16)]
    [InlineData(StoredDType.BF16)]
    public void Narrow_dtypes_round_to_nearest_even_on_disk(StoredDType dtype)
    {
        using var folder = new TempFolder();
        float[] values = [1 + 1f / 256, 1 + 3f / 256, 1 + 1f / 2048, 1 + 3f / 2048, 0.1f, -1e-3f];
        using var t = Tensor.FromArray(values, [2, 3]);
        SafeTensorsFile.Write(folder.File("r.safetensors"), [("r", t)], dtype);
        var back = SafeTensorsFile.Read(folder.File("r.safetensors"));
        float[] expected = dtype switch
        {
            StoredDType.F32 => values,
            // fp16 keeps 10 mantissa bits (step 2^-10 near 1); bf16 keeps 7 (step 2^-7).
            StoredDType.F16 => [1 + 1f / 256, 1 + 3f / 256, 1, 1 + 1f / 512, (float)(Half)0.1f, (float)(Half)(-1e-3f)],
            _ => [1, 1 + 2f / 128, 1, 1, StoredDTypes.FromBFloat16(0x3DCD), StoredDTypes.FromBFloat16(0xBA83)],
        };
        Assert.Equal(expected, back["r"].ToArray<float>());
        Dispose(back.Values);
    }

    [Fact]
    public void Writes_the_bytes_the_format_describes()
    {
        using var folder = new TempFolder();
        using var a = Tensor.FromArray([1f, -2f], [2]);
        using var b = Tensor.FromArray([0.5f], [1, 1]);
        SafeTensorsFile.Write(folder.File("x.safetensors"), [("a", a), ("b", b)], StoredDType.BF16, new Dictionary<string, string> { ["k"] = "v" });
        var bytes = File.ReadAllBytes(folder.File("x.safetensors"));

        const string json = """{"__metadata__":{"k":"v"},"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1,1],"data_offsets":[4,6]}}""";
        int padded = (json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)padded, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(json + new string(' ', padded - json.Length), Encoding.UTF8.GetString(bytes, 8, padded));
        Assert.Equal(new byte[] { 0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F }, bytes[(8 + padded)..]);
        Assert.Equal("v", SafeTensorsFile.ReadHeader(folder.File("x.safetensors")).Metadata["k"]);
    }

    [Fact]
    public void Reads_a_hand_made_file_with_gaps_and_out_of_order_offsets()
    {
        using var folder = new TempFolder();
        // "late" lies after a 2-byte gap, "early" first; no metadata, header not padded.
        var path = HandMade(folder, """{"late":{"dtype":"F16","shape":[2],"data_offsets":[6,10]},"early":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""",
            [0x00, 0x00, 0x80, 0x3F, 0xEE, 0xEE, 0x00, 0x3C, 0x00, 0xC0]);
        var back = SafeTensorsFile.Read(path);
        Assert.Equal([1f], back["early"].ToArray<float>());
        Assert.Empty(back["early"].Shape);
        Assert.Equal([1f, -2f], back["late"].ToArray<float>());
        Dispose(back.Values);
    }

    [Fact]
    public void Overwrite_is_atomic_and_leaves_no_temporary_file()
    {
        using var folder = new TempFolder();
        using var t = RandomTensor([3, 4], 1);
        SafeTensorsFile.Write(folder.File("w.safetensors"), [("w", t)], StoredDType.F32);
        SafeTensorsFile.Write(folder.File("w.safetensors"), [("w", t), ("v", t)], StoredDType.F16);
        Assert.Equal(["w.safetensors"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        Assert.Equal(2, SafeTensorsFile.ReadHeader(folder.File("w.safetensors")).Entries.Count);
    }

    // ---- corruptions: each a one-line error naming the file (and the tensor where there is one) ----

    private const string Good = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    [Fact]
    public void Shorter_than_the_length_prefix()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("c.safetensors"), [1, 2, 3]);
        ModelAsserts.OneLineError(() => SafeTensorsFile.Read(folder.File("c.safetensors")), "c.safetensors", "truncated: 3 bytes");
    }

    [Fact]
    public void Header_length_beyond_the_file()
    {
        using var folder = new TempFolder();
        var bytes = File.ReadAllBytes(HandMade(folder, Good, new byte[8]));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 5000);
        File.WriteAllBytes(folder.File("c.safetensors"), bytes);
        ModelAsserts.OneLineError(() => SafeTensorsFile.Read(folder.File("c.safetensors")), "c.safetensors", "header length 5000 runs past the end of the file");
    }

    [Fact]
    public void Header_length_over_the_limit()
    {
        using var folder = new TempFolder();
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(folder.File("c.safetensors"), bytes);
        ModelAsserts.OneLineError(() => SafeTensorsFile.Read(folder.File("c.safetensors")), "c.safetensors", "exceeds the limit");
    }

    [Fact]
    public void Truncated_data() =>
        Corrupt(Good, new byte[5], "'w'", "run past the end of the data buffer (5 bytes; is the file truncated?)");

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]""", "header is not valid JSON")]
    [InlineData("\u00ff\u00fe", "header is not valid JSON: it is not valid UTF-8")]
    [InlineData("[1,2]", "header must be a JSON object")]
    [InlineData("""{"__metadata__":{"k":1}}""", "__metadata__ 'k' must be a string")]
    [InlineData("""{"__metadata__":[]}""", "__metadata__ must be an object")]
    public void Bad_header_json(string header, string expected) => Corrupt(header, new byte[8], expected);

    [Theory]
    [InlineData("""{"w":{"dtype":"I8","shape":[8],"data_offsets":[0,8]}}""", "dtype 'I8' is not supported (expected F32, F16, BF16)")]
    [InlineData("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "hold 8 bytes but shape (3) of F32 needs 12")]
    [InlineData("""{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,8]}}""", "hold 8 bytes but shape (2) of BF16 needs 4")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", "data_offsets [4, 12] run past the end of the data buffer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[9,9]}}""", "run past the end of the data buffer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "begin <= end")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", "'data_offsets' must be [begin, end]")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "'shape' must hold integers between 0 and")]
    [InlineData("""{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", "'shape' must be an array of integers")]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""", "'dtype' must be a string")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}""", "unknown key 'extra'")]
    [InlineData("""{"w":[1]}""", "entry must be an object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "appears twice")]
    public void Bad_tensor_entry(string header, string expected) => Corrupt(header, new byte[8], "'w'", expected);

    [Fact]
    public void Overlapping_tensors() =>
        Corrupt("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F16","shape":[2],"data_offsets":[6,10]}}""", new byte[10],
            "tensor 'w' bytes [6, 10] overlap tensor 'a' [0, 8]");

    [Fact]
    public void Missing_file() =>
        ModelAsserts.OneLineError(() => SafeTensorsFile.Read("no/such.safetensors"), "no/such.safetensors", "no such file; expected a safetensors file");

    private static void Corrupt(string header, byte[] data, params string[] expected)
    {
        using var folder = new TempFolder();
        var path = HandMade(folder, header, data);
        ModelAsserts.OneLineError(() => SafeTensorsFile.Read(path), [path, .. expected]);
    }

    /// <summary>A file assembled from the format description: u64 length, header bytes, data.</summary>
    internal static string HandMade(TempFolder folder, string header, byte[] data, string name = "c.safetensors")
    {
        var json = Encoding.Latin1.GetBytes(header); // Latin1 so a test can plant invalid UTF-8
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        File.WriteAllBytes(folder.File(name), bytes);
        return folder.File(name);
    }
}
