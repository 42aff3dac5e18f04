// Fuzz of tokenizer.json (TokenizerJson.Load): structural JSON damage and byte damage of a small
// trained tokenizer's file. A tokenizer that loads must be usable: encoding then decoding a sample
// (with every byte value and the end-of-text marker) gives the sample back, with ids in range.
using System.Text;
using System.Text.Json.Nodes;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class TokenizerFuzzTests(ITestOutputHelper output) : FuzzFolderTests
{
    private static readonly string Sample = "the quick brown fox, the lazy dog; 12 + 30 = 42 — naïve café\n\t" +
        new string(Enumerable.Range(1, 127).Select(i => (char)i).ToArray());


    [Fact]
    public void Every_tokenizer_json_loads_consistently_or_is_refused_in_one_line()
    {
        var tokenizer = BpeTrainer.Train(Enumerable.Repeat(Sample, 4), 290);
        string path = Folder.File("tokenizer.json");
        var validNode = TokenizerJson.ToJson(tokenizer);
        byte[] validBytes = Encoding.UTF8.GetBytes(validNode.ToJsonString());

        var gen = Gen.Zip(Gen.Choose(0, 1), Gen.Choose(0, int.MaxValue));
        var report = Fuzz.Run("tokenizer.json", gen, c =>
        {
            var random = new Random(c.Item2);
            byte[] bytes = c.Item1 == 0 ? Encoding.UTF8.GetBytes(Mutate.Json(validNode, random).ToJsonString()) : Mutate.Bytes(validBytes, random);
            File.WriteAllBytes(path, bytes);
            return new FuzzInput(path, bytes.Length, () => Check(TokenizerJson.Load(path)));
        });
        output.WriteLine(report.ToString());
    }

    private static void Check(BpeTokenizer tokenizer)
    {
        var ids = tokenizer.Encode(Sample);
        Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
        Assert.Equal(Sample, tokenizer.DecodeText(ids));
    }
}
