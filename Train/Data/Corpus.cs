// Corpus: the training text as an ordered list of documents, each a list of chunks tagged with
// the kind of text they hold (prose, code, markup), plus where it came from. The kinds let a
// later analysis group tokens by what they were: "which experts fire on code?".
// It is not a stream: the corpora we train on (tens of MB) fit in memory, which keeps the order,
// the validation split and the identity hash obvious.
using System.Security.Cryptography;
using System.Text;

namespace MoeFromScratch.Train.Data;

/// <summary>What a piece of text is. Stored as one byte per token beside the token file.</summary>
public enum TextKind : byte
{
    Prose = 0,      // English sentences: doc-comment summaries, README paragraphs
    Code = 1,       // identifiers, code blocks, source files
    Markup = 2,     // XML/HTML/JSON files
    Separator = 3,  // the <|endoftext|> token between documents
}

public sealed record TextChunk(TextKind Kind, string Text);

/// <summary>One document: the unit of the validation split and of the &lt;|endoftext|&gt; separator.</summary>
public sealed record Document(string Source, IReadOnlyList<TextChunk> Chunks)
{
    public string Text => string.Concat(Chunks.Select(c => c.Text));
}

/// <param name="Name">Short name for cache folders and logs, e.g. "dotnet-xmldoc".</param>
/// <param name="Origin">Where it came from: a folder or file path.</param>
/// <param name="Files">How many source files were read.</param>
/// <param name="SourceBytes">Bytes of those files on disk.</param>
public sealed record Corpus(string Name, string Origin, int Files, long SourceBytes, IReadOnlyList<Document> Documents)
{
    /// <summary>Every ValidationStride-th document (the last of each group) is held out: about 1%,
    /// spread through the corpus rather than taken from its end, so validation covers every source.</summary>
    public const int ValidationStride = 100;

    public long TextBytes => Documents.Sum(d => d.Chunks.Sum(c => (long)Encoding.UTF8.GetByteCount(c.Text)));

    public IEnumerable<Document> Training => Documents.Where((_, i) => !IsValidation(i));

    public IEnumerable<Document> Validation => Documents.Where((_, i) => IsValidation(i));

    // With fewer than ValidationStride documents the last one is held out, so both splits exist.
    private bool IsValidation(int index) =>
        Documents.Count < ValidationStride ? index == Documents.Count - 1 : index % ValidationStride == ValidationStride - 1;

    /// <summary>The first <paramref name="words"/> words of the validation split's first prose (the first text
    /// of any kind where it has none), whitespace folded to single spaces, at most <paramref name="maxChars"/>
    /// characters: a prompt in the corpus's own words that the model did not train on, for the sample at
    /// the end of a run ("Converts an object" in the default corpus, whose documents open with a member name).</summary>
    public string SamplePrompt(int words = 3, int maxChars = 48)
    {
        var chunks = Validation.SelectMany(d => d.Chunks).ToList();
        var first = chunks.Where(c => c.Kind == TextKind.Prose).Concat(chunks)
            .Select(c => c.Text.Split((char[]?)null, words + 1, StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(w => w.Length > 0) ?? [];
        string prompt = string.Join(' ', first.Take(words));
        if (prompt.Length <= maxChars) return prompt;
        int cut = char.IsHighSurrogate(prompt[maxChars - 1]) ? maxChars - 1 : maxChars;   // never split a pair
        return prompt[..cut];
    }

    /// <summary>SHA-256 of the extracted text and kinds: the cache key changes whenever the text a
    /// tokenizer would see changes, whether the files or the extraction did.</summary>
    public string Identity()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var document in Documents)
        {
            foreach (var chunk in document.Chunks)
            {
                hash.AppendData([(byte)chunk.Kind]);
                hash.AppendData(Encoding.UTF8.GetBytes(chunk.Text));
                hash.AppendData([0xFF]);  // never in UTF-8: chunk boundaries cannot collide with text
            }
            hash.AppendData([0xFE]);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
