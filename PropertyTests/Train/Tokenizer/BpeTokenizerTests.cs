// Tests of the byte-level BPE: exact round trips on arbitrary bytes (valid UTF-8 or not), the
// pre-tokenizer tiling its input and cutting as GPT-2's regex does (by code point), and that the
// learned merges actually compress the text.
using System.Text;
using System.Text.RegularExpressions;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.PropertyTests.Train.Tokenizer;

public partial class BpeTokenizerTests
{
    private static BpeTokenizer Tokenizer => SampleText.Tokenizer;

    [Property(MaxTest = 300)]
    public bool RoundTripsAnyBytes(byte[] bytes) => Tokenizer.Decode(Tokenizer.Encode(bytes)).AsSpan().SequenceEqual(bytes);

    // Valid text with raw continuation/lead bytes (0x80..0xFF) spliced in: mostly invalid UTF-8.
    [Property(MaxTest = 300)]
    public bool RoundTripsInvalidUtf8(NonNull<string> text, byte[] noise, NonNegativeInt at)
    {
        byte[] valid = Encoding.UTF8.GetBytes(text.Get);
        int cut = valid.Length == 0 ? 0 : at.Get % (valid.Length + 1);
        byte[] bytes = [.. valid[..cut], .. noise.Select(b => (byte)(b | 0x80)), .. valid[cut..]];
        return Tokenizer.Decode(Tokenizer.Encode(bytes)).AsSpan().SequenceEqual(bytes);
    }

    [Property(MaxTest = 300)]
    public bool RoundTripsAnyString(NonNull<string> text) => Tokenizer.DecodeText(Tokenizer.Encode(text.Get)) == Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text.Get));

    [Property(MaxTest = 300)]
    public bool PreTokenizerPiecesTileTheInput(byte[] bytes)
    {
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split(bytes, pieces);
        int at = 0;
        foreach (var (start, length) in pieces)
        {
            if (start != at || length <= 0) return false;
            at += length;
        }
        return at == bytes.Length;
    }

    [Fact]
    public void PreTokenizerSplitsLikeGpt2() =>
        Assert.Equal(["Hello", " world", "'s", " ", " 42", " times", "!!", "\n"], Pieces("Hello world's  42 times!!\n"));

    private static IEnumerable<string> Pieces(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split(bytes, pieces);
        return pieces.Select(p => Encoding.UTF8.GetString(bytes, p.Start, p.Length));
    }

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Regex();

    // On text without surrogates a .NET Regex classifies exactly what GPT-2's regex does, so the
    // regex itself is the oracle for the scanner there.
    [Property(MaxTest = 300)]
    public bool PreTokenizerCutsBmpTextLikeGpt2sRegex(NonNull<string> text)
    {
        string bmp = new(text.Get.Where(c => !char.IsSurrogate(c)).ToArray());
        return Pieces(bmp).SequenceEqual(Gpt2Regex().Matches(bmp).Select(m => m.Value));
    }

    // Outside the BMP a letter is two UTF-16 surrogates; GPT-2 (and HuggingFace) classify code points.
    [Theory]
    [InlineData("𝔘𝔫𝔦'lle\u0301", new[] { "𝔘𝔫𝔦", "'ll", "e", "\u0301" })]
    [InlineData(" 𠀋字 𝟙𝟚!", new[] { " 𠀋字", " 𝟙𝟚", "!" })]
    [InlineData("😀's", new[] { "😀'", "s" })]
    public void PreTokenizerClassifiesCodePointsNotSurrogates(string text, string[] expected) =>
        Assert.Equal(expected, Pieces(text));

    [Fact]
    public void MergesShortenTheTrainingText()
    {
        int bytes = Encoding.UTF8.GetByteCount(SampleText.All);
        int tokens = Tokenizer.Encode(SampleText.All).Length;
        Assert.True(tokens < bytes / 2, $"{tokens} tokens for {bytes} bytes: merges should at least halve the count");
    }

    [Fact]
    public void VocabularyIsBytesThenMergesThenEndOfText()
    {
        Assert.Equal(400, Tokenizer.VocabSize);
        Assert.Equal(400 - 257, Tokenizer.Merges.Count);
        Assert.Equal(399, Tokenizer.EndOfTextId);
        for (int b = 0; b < 256; b++) Assert.Equal([(byte)b], Tokenizer.TokenBytes(b).ToArray());
        foreach (var (left, right, merged) in Tokenizer.Merges)
            Assert.Equal([.. Tokenizer.TokenBytes(left), .. Tokenizer.TokenBytes(right)], Tokenizer.TokenBytes(merged).ToArray());
    }

    [Fact]
    public void EndOfTextInTheInputIsOrdinaryText()
    {
        var ids = Tokenizer.Encode("a <|endoftext|> b");
        Assert.DoesNotContain(Tokenizer.EndOfTextId!.Value, ids);
    }
}
