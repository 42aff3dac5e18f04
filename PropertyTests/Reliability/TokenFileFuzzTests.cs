// Fuzz of token files (TokenFile.Open): byte damage of valid files of several widths, and header
// fields overwritten with lies (version, width, vocab, and counts crafted so count × width
// overflows to the real size). A file that opens must be consistent: its size is header + count ×
// width, and every element lies inside the vocabulary.
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class TokenFileFuzzTests(ITestOutputHelper output) : FuzzFolderTests
{
    [Fact]
    public void Every_token_file_opens_consistently_or_is_refused_in_one_line()
    {
        int[] vocabs = [3, 256, 300, 70_000];
        var valid = vocabs.Select((v, i) =>
        {
            string p = Folder.File($"valid{i}.tokens");
            var random = new Random(i);
            TokenFile.Write(p, v, [Enumerable.Range(0, 50).Select(_ => random.Next(v)).ToArray()]);
            return File.ReadAllBytes(p);
        }).ToArray();
        string path = Folder.File("fuzz.tokens");

        var gen = Gen.Zip(Gen.Choose(0, 1), Gen.Choose(0, int.MaxValue));
        var report = Fuzz.Run("token file", gen, c =>
        {
            var random = new Random(c.Item2);
            var source = valid[random.Next(valid.Length)];
            byte[] bytes = c.Item1 == 0 ? Mutate.Bytes(source, random) : LyingHeader(source, random);
            File.WriteAllBytes(path, bytes);
            return new FuzzInput(path, bytes.Length, () => Check(path, bytes.Length));
        });
        output.WriteLine(report.ToString());
    }

    private static void Check(string path, long length)
    {
        using var file = TokenFile.Open(path);
        Assert.Equal(length, TokenFile.HeaderBytes + file.Count * file.BytesPerElement);
        var ids = new int[file.Count];
        file.Read(0, ids);
        Assert.All(ids, id => Assert.InRange(id, 0, file.VocabSize - 1));
    }

    private static byte[] LyingHeader(byte[] file, Random random)
    {
        var result = (byte[])file.Clone();
        int width = BitConverter.ToInt32(file, 12);
        long count = (file.Length - TokenFile.HeaderBytes) / width;
        switch (random.Next(5))
        {
            case 0: BitConverter.TryWriteBytes(result.AsSpan(8), random.Next(-1, 3)); break;
            case 1: BitConverter.TryWriteBytes(result.AsSpan(12), new[] { 0, 1, 2, 3, 4, 8, -4 }[random.Next(7)]); break;
            case 2: BitConverter.TryWriteBytes(result.AsSpan(16), new[] { 0, -1, 1, 2, 256, 257, 65536, 65537, int.MaxValue }[random.Next(9)]); break;
            case 3: BitConverter.TryWriteBytes(result.AsSpan(24), count + (1L << 62)); break; // × 4 wraps to the real size
            default: BitConverter.TryWriteBytes(result.AsSpan(24), random.Next(3) == 0 ? long.MaxValue : count + random.Next(-2, 3)); break;
        }
        return result;
    }
}
