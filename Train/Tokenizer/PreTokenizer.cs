// PreTokenizer: cuts bytes into the pieces BPE works inside ("pre-tokens"): words with their
// leading space, runs of digits, runs of punctuation, runs of whitespace. Merges never cross a
// piece boundary, so " the" becomes one token but "the cat" never does.
// It is not Unicode-normalising and never drops a byte: the pieces concatenate back to the input,
// even when the input is not valid UTF-8 (each invalid sequence becomes a piece of its own).
// Follows GPT-2's pre-tokenization regex, the one HuggingFace's ByteLevel pre-tokenizer uses.
using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace MoeFromScratch.Train.Tokenizer;

public static partial class PreTokenizer
{
    // GPT-2: contractions | optional space + letters | optional space + digits |
    // optional space + other symbols | whitespace not followed by a non-space | whitespace.
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2();

    /// <summary>Appends (start, length) of each piece of <paramref name="bytes"/> to <paramref name="pieces"/>.</summary>
    public static void Split(ReadOnlySpan<byte> bytes, List<(int Start, int Length)> pieces)
    {
        char[] chars = ArrayPool<char>.Shared.Rent(Math.Max(1, bytes.Length));
        try
        {
            int at = 0;
            while (at < bytes.Length)
            {
                // Decode the longest valid UTF-8 prefix and run the regex over it.
                Utf8.ToUtf16(bytes[at..], chars, out int validBytes, out int charCount, replaceInvalidSequences: false);
                SplitValid(chars.AsSpan(0, charCount), at, pieces);
                at += validBytes;
                if (at == bytes.Length) break;
                // An invalid sequence: keep its bytes together as one piece, as the regex cannot see them.
                Rune.DecodeFromUtf8(bytes[at..], out _, out int invalidBytes);
                pieces.Add((at, invalidBytes));
                at += invalidBytes;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    // The regex covers every character, so consecutive matches tile the text and the byte offset
    // can be advanced by each match's UTF-8 length.
    private static void SplitValid(ReadOnlySpan<char> text, int byteOffset, List<(int Start, int Length)> pieces)
    {
        foreach (var match in Gpt2().EnumerateMatches(text))
        {
            int length = Encoding.UTF8.GetByteCount(text.Slice(match.Index, match.Length));
            pieces.Add((byteOffset, length));
            byteOffset += length;
        }
    }
}
