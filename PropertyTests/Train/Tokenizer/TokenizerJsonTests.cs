// Tests of tokenizer.json: what we save loads back to the same encodings, its structure is what
// HuggingFace expects (vocab and merges consistent), and a damaged file fails with one line that
// names the file.
using System.Text.Json.Nodes;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.PropertyTests.Train.Tokenizer;

public sealed class TokenizerJsonTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moe-tokjson-").FullName;
    private static readonly Lazy<BpeTokenizer> Reloaded = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"moe-reload-{Guid.NewGuid():N}.json");
        TokenizerJson.Save(SampleText.Tokenizer, path);
        try { return TokenizerJson.Load(path); } finally { File.Delete(path); }
    });

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Property(MaxTest = 200)]
    public bool SaveLoadKeepsEncodings(byte[] bytes) =>
        SampleText.Tokenizer.Encode(bytes).SequenceEqual(Reloaded.Value.Encode(bytes));

    [Fact]
    public void SaveLoadKeepsTheTrainingTextEncoding() =>
        Assert.Equal(SampleText.Tokenizer.Encode(SampleText.All), Reloaded.Value.Encode(SampleText.All));

    [Fact]
    public void StructureIsConsistent()
    {
        var json = TokenizerJson.ToJson(SampleText.Tokenizer);
        var model = json["model"]!.AsObject();
        Assert.Equal("BPE", (string?)model["type"]);
        Assert.Equal("ByteLevel", (string?)json["pre_tokenizer"]!["type"]);
        Assert.Equal("ByteLevel", (string?)json["decoder"]!["type"]);
        var vocab = model["vocab"]!.AsObject();
        Assert.Equal(Enumerable.Range(0, SampleText.Tokenizer.VocabSize), vocab.Select(kv => (int)kv.Value!).Order());
        Assert.Equal(0, (int)vocab["Ā"]!);    // byte 0x00 is spelled U+0100 in GPT-2's map
        Assert.Equal(32, (int)vocab["Ġ"]!);   // and the space is 'Ġ'
        var merges = model["merges"]!.AsArray();
        Assert.Equal(SampleText.Tokenizer.Merges.Count, merges.Count);
        foreach (var merge in merges)
        {
            var parts = ((string)merge!).Split(' ');
            Assert.Equal(2, parts.Length);
            Assert.True(vocab.ContainsKey(parts[0]) && vocab.ContainsKey(parts[1]) && vocab.ContainsKey(parts[0] + parts[1]), $"merge \"{merge}\" is not backed by the vocab");
        }
        var added = json["added_tokens"]!.AsArray().Single()!;
        Assert.Equal(BpeTokenizer.EndOfText, (string?)added["content"]);
        Assert.Equal(SampleText.Tokenizer.VocabSize - 1, (int)added["id"]!);
    }

    [Fact]
    public void AcceptsTheNewerArrayFormOfMerges()
    {
        var json = TokenizerJson.ToJson(SampleText.Tokenizer);
        var merges = json["model"]!["merges"]!.AsArray();
        var pairs = merges.Select(m => ((string)m!).Split(' ')).ToList();
        json["model"]!["merges"] = new JsonArray([.. pairs.Select(p => (JsonNode)new JsonArray(p[0], p[1]))]);
        var loaded = TokenizerJson.FromJson(json, "test.json");
        Assert.Equal(SampleText.Tokenizer.Encode(SampleText.All), loaded.Encode(SampleText.All));
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "truncated", "not valid JSON" },
        { "model-type", "model.type is \"WordPiece\", expected \"BPE\"" },
        { "unknown-merge-part", "which is not in model.vocab" },
        { "duplicate-id", "is used twice" },
        { "missing-byte", "lacks a token for byte" },
        { "pre-tokenizer", "pre_tokenizer is" },
        { "bad-merge", "expected \"left right\" or [left, right]" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFileGivesOneLineNamingIt(string corruption, string expected)
    {
        string path = Path.Combine(_folder, $"{corruption}.json");
        TokenizerJson.Save(SampleText.Tokenizer, path);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var model = json["model"]!;
        switch (corruption)
        {
            case "truncated": File.WriteAllText(path, File.ReadAllText(path)[..1000]); break;
            case "model-type": model["type"] = "WordPiece"; break;
            case "unknown-merge-part": model["merges"]!.AsArray()[3] = "zzzq Ġ"; break;
            case "duplicate-id": model["vocab"]!["Ġ"] = 65; break;
            case "missing-byte": model["vocab"]!.AsObject().Remove("Ā"); model["vocab"]!["Āx"] = 0; break;
            case "pre-tokenizer": json["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" }; break;
            case "bad-merge": model["merges"]!.AsArray()[0] = 17; break;
        }
        if (corruption != "truncated") File.WriteAllText(path, json.ToJsonString());
        var error = Assert.Throws<TokenizerException>(() => TokenizerJson.Load(path));
        Assert.StartsWith(path, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
