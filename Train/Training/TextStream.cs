// TextStream: turns generated token ids into text as they come. A byte-level BPE token may end in
// the middle of a UTF-8 character, so bytes go through a stateful UTF-8 decoder that holds an
// incomplete character back until the next token completes it (Flush emits what is left).
using System.Text;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.Train.Training;

public sealed class TextStream(BpeTokenizer tokenizer)
{
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();

    public string Push(int token) => Decode(tokenizer.TokenBytes(token), flush: false);

    public string Flush() => Decode([], flush: true);

    private string Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length + 4)];
        int n = _utf8.GetChars(bytes, chars, flush);
        return new string(chars, 0, n);
    }
}
