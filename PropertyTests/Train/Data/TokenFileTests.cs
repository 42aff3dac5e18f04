// Tests of the binary token file: what is written reads back through the memory map at every
// element width, and a damaged file fails naming itself.
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Train.Data;

public sealed class TokenFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moe-tokens-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Property(MaxTest = 50)]
    public bool WrittenIdsReadBack(int[] raw, PositiveInt vocab)
    {
        int vocabSize = new[] { 3, 256, 4096, 65536, 100_000 }[vocab.Get % 5];
        int[] ids = raw.Select(x => (int)((uint)x % vocabSize)).ToArray();
        string path = Path.Combine(_folder, $"{Guid.NewGuid():N}.tokens");
        TokenFile.Write(path, vocabSize, [ids[..(ids.Length / 2)], ids[(ids.Length / 2)..]]);
        using var file = TokenFile.Open(path);
        var back = new int[ids.Length];
        file.Read(0, back);
        return file.Count == ids.Length && file.VocabSize == vocabSize
            && file.BytesPerElement == (vocabSize <= 256 ? 1 : vocabSize <= 65536 ? 2 : 4) && back.SequenceEqual(ids);
    }

    [Fact]
    public void LargeWritesCrossTheBufferBoundary()
    {
        int[] ids = Enumerable.Range(0, 100_003).Select(i => i % 4096).ToArray();
        string path = Path.Combine(_folder, "large.tokens");
        TokenFile.Write(path, 4096, [ids]);
        using var file = TokenFile.Open(path);
        Assert.Equal(4095, file[4095]);
        Assert.Equal(100_002 % 4096, file[100_002]);
    }

    [Fact]
    public void TruncatedFileIsAnErrorNamingIt()
    {
        string path = Path.Combine(_folder, "cut.tokens");
        TokenFile.Write(path, 4096, [[1, 2, 3, 4]]);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^2]);
        var error = Assert.Throws<DataException>(() => TokenFile.Open(path));
        Assert.StartsWith(path, error.Message);
        Assert.Contains("header says 4 elements", error.Message);
    }

    [Fact]
    public void ForeignFileIsAnError()
    {
        string path = Path.Combine(_folder, "text.tokens");
        File.WriteAllText(path, "this is not a token file at all, just words");
        Assert.Contains("not a token file", Assert.Throws<DataException>(() => TokenFile.Open(path)).Message);
    }
}
