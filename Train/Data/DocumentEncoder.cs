// DocumentEncoder: a document's token ids, each tagged with the kind of text it came from, then
// <|endoftext|> (tagged Separator). A token takes the kind of its last byte: in "the String"
// the token " String" starts with prose's space but is the identifier, so it counts as code.
// It is not where tokenisation happens (BpeTokenizer does that); it only lines kinds up with tokens.
using System.Text;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.Train.Data;

public static class DocumentEncoder
{
    public static (int[] Ids, byte[] Kinds) Encode(BpeTokenizer tokenizer, Document document)
    {
        // The kind of every byte of the document text, chunk by chunk.
        var byteKinds = new List<byte>();
        var bytes = new List<byte>();
        foreach (var chunk in document.Chunks)
        {
            byte[] chunkBytes = Encoding.UTF8.GetBytes(chunk.Text);
            bytes.AddRange(chunkBytes);
            byteKinds.AddRange(Enumerable.Repeat((byte)chunk.Kind, chunkBytes.Length));
        }
        var ids = new List<int>(bytes.Count / 3 + 2);
        tokenizer.Encode(CollectionsMarshalAsSpan(bytes), ids);
        var kinds = new byte[ids.Count + 1];
        long end = 0;
        for (int i = 0; i < ids.Count; i++)
        {
            end += tokenizer.TokenBytes(ids[i]).Length;
            kinds[i] = byteKinds[(int)end - 1];
        }
        ids.Add(tokenizer.EndOfTextId ?? throw new InvalidOperationException("the tokenizer has no <|endoftext|> token"));
        kinds[^1] = (byte)TextKind.Separator;
        return ([.. ids], kinds);
    }

    private static ReadOnlySpan<byte> CollectionsMarshalAsSpan(List<byte> list) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
}
