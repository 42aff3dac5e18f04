// The `moe eval --tokens` format (Data/TokenSequencesFile) written from a token file: generated
// token files, window lengths and limits read back as the first tokens, cut into windows of T (a
// last shorter one of 2 or more). Then the round trip through the built program: `moe tokenize
// --eval-tokens` writes the validation split that `moe eval --tokens` reads, with a model whose
// tokenizer is that corpus's.
using System.Text.Json;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.PropertyTests.Train.Data;

public sealed class TokenSequencesFileTests : FuzzFolderTests
{
    [Fact]
    public void Written_sequences_read_back_as_the_first_tokens_in_windows_of_T()
    {
        var cases = from count in Gen.Choose(2, 300)
                    from seq in Gen.Choose(2, 40)
                    from limit in Gen.Choose(1, 20).Select(n => (int?)n).Or(Gen.Constant((int?)null))
                    select (Count: count, Seq: seq, Limit: limit);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            int[] ids = Enumerable.Range(0, c.Count).Select(i => (i * 7919) % 300).ToArray();
            string tokens = Folder.File("val.tokens"), json = Folder.File("val.json");
            TokenFile.Write(tokens, 300, [ids]);
            using var file = TokenFile.Open(tokens);
            var (written, total) = TokenSequencesFile.Write(json, file, c.Seq, c.Limit);
            var back = TokenSequencesFile.Read(json, 300, maxLength: c.Seq);
            Assert.Equal(written, back.Count);
            Assert.Equal(total, back.Sum(s => (long)s.Length));
            Assert.Equal(ids[..(int)total], back.SelectMany(s => s));
            Assert.All(back[..^1], s => Assert.Equal(c.Seq, s.Length));
            Assert.InRange(back[^1].Length, 2, c.Seq);
            long expected = Math.Min(c.Count, (long)c.Seq * (c.Limit ?? int.MaxValue));
            Assert.Equal(expected % c.Seq == 1 ? expected - 1 : expected, total);   // only a 1-token tail is left out
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Tokenize_writes_the_sequences_eval_reads()
    {
        using var run = new TinyRun();
        string cache = Folder.File("cache"), json = Folder.File("eval.json"), model = Folder.File("model");
        var tokenize = MoeProcess.Run($"tokenize --data {run.Corpus} --vocab 512 --out {cache} --eval-tokens {json} --seq 16 --sequences 5");
        Assert.True(tokenize.Code == 0, tokenize.ToString());
        Assert.True(tokenize.Stdout.Contains($"wrote {json}: 5 sequences (80 validation tokens)", StringComparison.Ordinal), tokenize.ToString());

        // the ids are the validation split's first tokens (the tiny corpus holds out ~130), under the tokenizer `moe train --data` would use
        var prepared = TokenizedCorpus.Prepare(TextFilesCorpus.Load(run.Corpus), 512, cache);
        Assert.True(prepared.TokenizerFromCache);
        using var validation = prepared.OpenValidation();
        var first = new int[80];
        validation.Read(0, first);
        var sequences = JsonSerializer.Deserialize<int[][]>(File.ReadAllText(json))!;
        Assert.Equal(first, sequences.SelectMany(s => s));

        using (var tiny = new DeepSeekMoe(MoePresets.Tiny))
            ModelWeights.Save(tiny, model);
        TokenizerJson.Save(prepared.Tokenizer, Path.Combine(model, "tokenizer.json"));
        var eval = MoeProcess.Run($"eval --checkpoint {model} --tokens {json} --device cpu --json");
        Assert.True(eval.Code == 0, eval.ToString());
        using var report = JsonDocument.Parse(eval.Stdout);
        Assert.Equal(5, report.RootElement.GetProperty("sequences").GetInt32());
        Assert.Equal(5 * 15, report.RootElement.GetProperty("tokens").GetInt64());   // each 16-token sequence predicts 15
    }

    [Fact]
    public void Tokenize_refuses_a_sequence_length_below_two() =>
        MoeProcess.Run("tokenize --eval-tokens x.json --seq 1").AssertOneLineError("--seq 1: expected 2 or more");
}
