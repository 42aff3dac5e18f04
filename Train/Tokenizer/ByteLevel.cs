// ByteLevel: GPT-2's reversible map from the 256 byte values to 256 printable Unicode characters,
// so that a token's bytes can be written as a JSON string in tokenizer.json (space becomes 'Ġ',
// newline 'Ċ'). It is not an encoding of text: it only renames bytes.
// Follows GPT-2 `encoder.py` `bytes_to_unicode()` and HuggingFace tokenizers' ByteLevel.
namespace MoeFromScratch.Train.Tokenizer;

public static class ByteLevel
{
    /// <summary>ByteToChar[b] is the printable character that stands for byte b.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    public static string ToText(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>The bytes a mapped string stands for; false when it holds a character outside the map.</summary>
    public static bool TryToBytes(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!CharToByte.TryGetValue(text[i], out bytes[i])) return false;
        }
        return true;
    }

    // Printable bytes keep their own code point; the other 68 (controls, space, 0x7F-0xA0, 0xAD)
    // are moved, in byte order, to 256, 257, ... so none of them is whitespace or invisible.
    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
