// PreTokenizer: cuts bytes into the pieces BPE works inside ("pre-tokens"): words with their
// leading space, runs of digits, runs of punctuation, runs of whitespace. Merges never cross a
// piece boundary, so " the" becomes one token but "the cat" never does.
// It is not Unicode-normalising and never drops a byte: the pieces concatenate back to the input,
// even when the input is not valid UTF-8 (each invalid sequence becomes a piece of its own).
// It follows GPT-2's pre-tokenization regex, the one HuggingFace's ByteLevel pre-tokenizer uses:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// written out as a scanner over code points. A .NET Regex cannot be used for it: it classifies
// UTF-16 chars, so a letter outside the Basic Multilingual Plane (𝔘, 𠀋) is two surrogates, not
// \p{L}, and would be cut differently from HuggingFace, which classifies code points.
using System.Buffers;
using System.Globalization;
using System.Text;

namespace MoeFromScratch.Train.Tokenizer;

public static class PreTokenizer
{
    // The classes the regex distinguishes; Invalid is a byte sequence that is not UTF-8.
    private enum CharClass { Letter, Number, Space, Other, Invalid }

    // GPT-2's contractions, tried in the regex's order (none is a prefix of another).
    private static readonly byte[][] Contractions = [.. new[] { "s", "t", "re", "ve", "m", "ll", "d" }.Select(Encoding.ASCII.GetBytes)];

    /// <summary>Appends (start, length) of each piece of <paramref name="bytes"/> to <paramref name="pieces"/>.</summary>
    public static void Split(ReadOnlySpan<byte> bytes, List<(int Start, int Length)> pieces)
    {
        for (int at = 0; at < bytes.Length;)
        {
            int end = PieceEnd(bytes, at);
            pieces.Add((at, end - at));
            at = end;
        }
    }

    // The end of the piece that starts at `at`: the regex's alternatives, first match wins.
    private static int PieceEnd(ReadOnlySpan<byte> bytes, int at)
    {
        var first = Classify(bytes, at, out int firstLength);
        if (first == CharClass.Invalid) return at + firstLength;

        // 's | 't | 're | 've | 'm | 'll | 'd
        if (bytes[at] == (byte)'\'')
            foreach (var contraction in Contractions)
                if (bytes[(at + 1)..].StartsWith(contraction)) return at + 1 + contraction.Length;

        // ' ?\p{L}+ | ' ?\p{N}+ | ' ?[^\s\p{L}\p{N}]+': an optional space, then a run of one class.
        if (bytes[at] == (byte)' ' && at + 1 < bytes.Length)
        {
            var next = Classify(bytes, at + 1, out _);
            if (next is CharClass.Letter or CharClass.Number or CharClass.Other) return RunEnd(bytes, at + 1, next);
        }
        if (first != CharClass.Space) return RunEnd(bytes, at, first);

        // '\s+(?!\S)': whitespace up to the end, or all of it but the last character when a
        // non-space follows (that character then leads the next piece); '\s+' when only one is there.
        int end = RunEnd(bytes, at, CharClass.Space);
        if (end == bytes.Length || Classify(bytes, end, out _) == CharClass.Invalid) return end;
        int last = LastRuneStart(bytes, at, end);
        return last > at ? last : end;
    }

    // The end of the run of `runClass` characters that starts at `at`.
    private static int RunEnd(ReadOnlySpan<byte> bytes, int at, CharClass runClass)
    {
        while (at < bytes.Length && Classify(bytes, at, out int length) == runClass) at += length;
        return at;
    }

    // The start of the last code point of bytes[start..end), a run of valid UTF-8: step back over
    // continuation bytes (10xxxxxx).
    private static int LastRuneStart(ReadOnlySpan<byte> bytes, int start, int end)
    {
        int last = end - 1;
        while (last > start && (bytes[last] & 0xC0) == 0x80) last--;
        return last;
    }

    // The class of the code point at `at` and its length in bytes (an invalid sequence's length
    // is the bytes the decoder rejects as one unit).
    private static CharClass Classify(ReadOnlySpan<byte> bytes, int at, out int length)
    {
        if (Rune.DecodeFromUtf8(bytes[at..], out var rune, out length) != OperationStatus.Done) return CharClass.Invalid;
        if (Rune.IsWhiteSpace(rune)) return CharClass.Space;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.Other,
        };
    }
}
