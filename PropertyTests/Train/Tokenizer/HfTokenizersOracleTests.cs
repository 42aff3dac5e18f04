// HuggingFace's own `tokenizers` library (the Rust crate, through the Tokenizers.DotNet wrapper) is
// the oracle for our tokenizer.json: it loads the file we save and must encode any text to exactly
// our ids, and decode our ids back to the text. This is what "other tools can read it" means.
// One deliberate difference is left out of the generated text: HF splits the literal string
// "<|endoftext|>" out of text as the special token, ours encodes text as text (a document boundary
// is only ever inserted by the data pipeline, never by what a document says); a Fact pins it down.
// The native library is shipped for linux-x64 only, so elsewhere these tests skip.
using System.Runtime.InteropServices;
using System.Text;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Tokenizer;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;

namespace MoeFromScratch.PropertyTests.Train.Tokenizer;

public sealed class HfTokenizersOracleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moe-hf-tokenizers-").FullName;
    private readonly BpeTokenizer _ours = SampleText.Tokenizer;
    private readonly HfTokenizer? _hf;

    public HfTokenizersOracleTests()
    {
        if (!LinuxX64OnlyAttribute.Available) return;
        string path = Path.Combine(_folder, "tokenizer.json");
        TokenizerJson.Save(_ours, path);
        _hf = new HfTokenizer(path);
    }

    public void Dispose()
    {
        _hf?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [LinuxX64Only]
    public void The_training_text_encodes_to_the_same_ids() => AssertSameIds(SampleText.All);

    [LinuxX64Only]
    public void Every_byte_value_alone_encodes_to_the_same_ids()
    {
        // One piece per code point below 256 covers the whole byte-to-character map, both halves of UTF-8.
        AssertSameIds(string.Concat(Enumerable.Range(1, 255).Select(c => $"{(char)c} x{(char)c}\n")));
    }

    [Property(MaxTest = 300)]
    public Property Any_text_encodes_to_the_same_ids_and_decodes_back() =>
        Prop.ForAll(MixedText.ToArbitrary(), text =>
        {
            if (!LinuxX64OnlyAttribute.Available) return;
            AssertSameIds(text);
            Assert.Equal(text, _hf!.Decode([.. _ours.Encode(text).Select(id => (uint)id)]));
        });

    [LinuxX64Only]
    public void A_tokenizer_trained_on_the_default_corpus_encodes_its_held_out_documents_to_the_same_ids()
    {
        // What `moe train` saves by default: 4,096 tokens learned from the .NET reference docs.
        var documents = DefaultCorpus.Load().Documents;
        var tokenizer = BpeTrainer.Train(documents.Take(3000).Select(d => d.Text), 4096);
        string path = Path.Combine(_folder, "default-corpus.json");
        TokenizerJson.Save(tokenizer, path);
        using var hf = new HfTokenizer(path);
        foreach (var document in documents.Skip(3000).Take(500))
        {
            int[] ours = tokenizer.Encode(document.Text);
            Assert.True(ours.Select(id => (uint)id).SequenceEqual(hf.Encode(document.Text)), $"{document.Source}: {Quote(document.Text)}");
        }
    }

    // Letters and digits outside the BMP beside contractions and marks: where a regex over UTF-16
    // chars would cut differently from HF, which classifies code points.
    [LinuxX64Only]
    public void Letters_outside_the_BMP_encode_to_the_same_ids() => AssertSameIds("𝔘𝔫𝔦'lle\u0301 𠀋字'll 𝟙𝟚'st 😀's the𝔦'd");

    [LinuxX64Only]
    public void The_special_token_in_text_is_text_for_us_and_the_token_for_HF()
    {
        string text = $"a{BpeTokenizer.EndOfText}b";
        Assert.Equal([(uint)_ours.EndOfTextId!, (uint)_ours.Encode("b").Single()], _hf!.Encode(text).Skip(1));
        Assert.DoesNotContain(_ours.EndOfTextId!.Value, _ours.Encode(text));
        Assert.Equal(text, _ours.DecodeText(_ours.Encode(text)));
    }

    private void AssertSameIds(string text)
    {
        int[] ours = _ours.Encode(text);
        uint[] theirs = _hf!.Encode(text);
        Assert.True(ours.Select(id => (uint)id).SequenceEqual(theirs),
            $"text {Quote(text)}: ours [{string.Join(',', ours)}], HF tokenizers [{string.Join(',', theirs)}]");
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    // Text as a tokenizer meets it: words of the sample's own vocabulary (so merges fire), other
    // scripts, digits, punctuation runs, every kind of whitespace, contractions and astral-plane
    // characters (valid surrogate pairs only: a lone surrogate is not text either side can carry).
    private static readonly Gen<string> MixedText =
        Gen.OneOf(
                Gen.Elements("the", " the", "String", " collection", "int", " n++;", "Item", "'s", "'ll", "n't", "don't"),
                Gen.Elements(" ", "  ", "\n", "\t", "\r\n", " \n ", "\u00a0", "\u3000", "   x"),
                Gen.Elements("0", "42", " 2024", "3.14", "٣", "１２"),
                Gen.Elements("{", "});", "=>", "$\"", "...", "—", "«»", "<|", "|>"),
                Gen.Elements("é", "naïve", " Ελληνικά", "русский", "中文", "日本語", "한국어", "עברית", "ﷺ", "e\u0301"),
                Gen.Elements("😀", "𝔘𝔫𝔦", "🏳️‍🌈", "\U0001F468\u200D\U0001F469"),
                Gen.Choose(1, 0xD7FF).Select(c => ((char)c).ToString()))
            .ListOf()
            .Select(parts => string.Concat(parts))
            .Where(text => !text.Contains(BpeTokenizer.EndOfText, StringComparison.Ordinal));
}

/// <summary>A Fact that skips where HF tokenizers' native library does not exist (it ships for linux-x64 only).</summary>
public sealed class LinuxX64OnlyAttribute : FactAttribute
{
    public static bool Available => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public LinuxX64OnlyAttribute()
    {
        if (!Available) Skip = "HuggingFace tokenizers' native library ships for linux-x64 only";
    }
}
