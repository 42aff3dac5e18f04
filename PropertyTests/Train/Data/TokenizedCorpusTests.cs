// Tests of the cached preparation: it trains once, reuses the cache, and the token files decode
// back to the documents separated by <|endoftext|>, with one kind per token.
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Train.Data;

public sealed class TokenizedCorpusTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("moe-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private static Corpus Sample => new("sample", "memory", 1, 0,
        [.. SampleText.Documents.Select((text, i) => new Document($"{i}", [new TextChunk(TextKind.Prose, text[..40]), new TextChunk(TextKind.Code, text[40..])]))]);

    [Fact]
    public void PreparesOnceThenReusesTheCache()
    {
        var first = TokenizedCorpus.Prepare(Sample, 300, _cache);
        Assert.False(first.TokenizerFromCache);
        Assert.False(first.TokensFromCache);
        var second = TokenizedCorpus.Prepare(Sample, 300, _cache);
        Assert.True(second.TokenizerFromCache);
        Assert.True(second.TokensFromCache);
        Assert.Equal(first.Folder, second.Folder);
        Assert.NotEqual(first.Folder, TokenizedCorpus.Prepare(Sample, 301, _cache).Folder);
    }

    [Fact]
    public void TokenFilesDecodeToTheDocuments()
    {
        var prepared = TokenizedCorpus.Prepare(Sample, 300, _cache);
        using var train = prepared.OpenTrain();
        using var kinds = TokenFile.Open(prepared.TrainKindsPath);
        var ids = new int[train.Count];
        train.Read(0, ids);
        string expected = string.Concat(Sample.Training.Select(d => d.Text + "<|endoftext|>"));
        Assert.Equal(expected, prepared.Tokenizer.DecodeText(ids));
        Assert.Equal(train.Count, kinds.Count);
        var kindIds = new int[kinds.Count];
        kinds.Read(0, kindIds);
        Assert.Equal(Sample.Training.Count(), kindIds.Count(k => k == (int)TextKind.Separator));
        Assert.Contains((int)TextKind.Code, kindIds);
        Assert.Contains((int)TextKind.Prose, kindIds);
    }

    [Fact]
    public void ASingleDocumentCannotBeSplit() =>
        Assert.Throws<DataException>(() => TokenizedCorpus.Prepare(Sample with { Documents = [Sample.Documents[0]] }, 300, _cache));
}
