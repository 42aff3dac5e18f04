// Tests of the --data corpus: kinds from extensions, deterministic order, big files cut into
// documents, the validation split, and one-line errors for missing, empty and binary input.
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Train.Data;

public sealed class TextFilesCorpusTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moe-data-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string relative, string text)
    {
        string path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadsTextFilesRecursivelyInOrderWithKinds()
    {
        Write("b/notes.md", "# Notes\nSome prose.\n");
        Write("a.cs", "class A { }\n");
        Write("c/page.html", "<p>hi</p>\n");
        Write("image.png", "not text we read");
        Write("obj/generated.cs", "class Skipped { }\n");
        var corpus = TextFilesCorpus.Load(_folder);
        Assert.Equal(3, corpus.Files);
        Assert.Equal(["a.cs", Path.Combine("b", "notes.md"), Path.Combine("c", "page.html")], corpus.Documents.Select(d => d.Source));
        Assert.Equal([TextKind.Code, TextKind.Prose, TextKind.Markup], corpus.Documents.Select(d => d.Chunks.Single().Kind));
    }

    [Fact]
    public void CutsBigFilesAtLineBreaksWithoutLosingText()
    {
        string text = string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i} of a long file\n"));
        var corpus = TextFilesCorpus.Load(Write("big.txt", text));
        Assert.True(corpus.Documents.Count > 5);
        Assert.All(corpus.Documents, d => Assert.True(d.Text.Length <= TextFilesCorpus.MaxDocumentChars && d.Text.EndsWith('\n')));
        Assert.Equal(text, string.Concat(corpus.Documents.Select(d => d.Text)));
    }

    [Fact]
    public void HoldsOutEveryHundredthDocumentOrTheLastOfASmallCorpus()
    {
        var many = new Corpus("t", "t", 1, 0, [.. Enumerable.Range(0, 250).Select(i => new Document($"{i}", [new TextChunk(TextKind.Prose, $"{i}")]))]);
        Assert.Equal(["99", "199"], many.Validation.Select(d => d.Source));
        Assert.Equal(248, many.Training.Count());
        var few = many with { Documents = [.. many.Documents.Take(3)] };
        Assert.Equal(["2"], few.Validation.Select(d => d.Source));
    }

    [Fact]
    public void MissingPathIsAOneLineError()
    {
        var error = Assert.Throws<DataException>(() => TextFilesCorpus.Load(Path.Combine(_folder, "nope")));
        Assert.Contains("no such file or folder", error.Message);
    }

    [Fact]
    public void FolderWithoutTextFilesIsAnError()
    {
        Write("data.bin", "x");
        var error = Assert.Throws<DataException>(() => TextFilesCorpus.Load(_folder));
        Assert.Contains("holds no text files", error.Message);
    }

    [Fact]
    public void EmptyFileIsAnError() =>
        Assert.Throws<DataException>(() => TextFilesCorpus.Load(Write("empty.txt", "  \n")));

    [Fact]
    public void BinaryFileIsAnErrorNamingIt()
    {
        string path = Write("weights.txt", "abc\0def");
        var error = Assert.Throws<DataException>(() => TextFilesCorpus.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("NUL byte at offset 3", error.Message);
    }
}
