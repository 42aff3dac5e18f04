// Small user corpora, the way a new user starts (`moe train --data notes.txt`): each thing that is
// too small is refused in one line (Refusal) saying what a document is, what is too small and which
// option to change; and doing what the line says makes the run train. Too small: one document (no
// validation split), a tokenizer that runs out of merges below the vocabulary (--vocab sets it), a
// training split shorter than one --seq window. A validation split shorter than one window is a
// warning naming --seq and --eval-every (training still runs). The sample at the end of a run is
// prompted with the first words of the user's validation document (Corpus.SamplePrompt), not a
// fixed phrase from the default corpus.
using System.Text.RegularExpressions;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed partial class SmallCorpusTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moe-small-corpus-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Few distinct words, so BPE runs out of merges well below the tiny preset's 512 tokens.
    private static readonly string[] Words = ["alpha", "beta", "gamma", "delta", "the", "of", "model", "expert"];

    // --data: a folder of one file per text, in name order, so the last (the validation split) is the last given.
    private string Corpus(params string[] texts)
    {
        string folder = Path.Combine(_folder, $"data{Directory.GetDirectories(_folder).Length}");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < texts.Length; i++) File.WriteAllText(Path.Combine(folder, $"{i:D2}.txt"), texts[i]);
        return folder;
    }

    private static string RandomWords(int count, int seed)
    {
        var random = new Random(seed);
        return string.Join(' ', Enumerable.Range(0, count).Select(_ => Words[random.Next(Words.Length)]));
    }

    private string Train(string data, string more) =>
        $"train --config tiny --data {data} --cache {Path.Combine(_folder, "cache")} --out {Path.Combine(_folder, $"run{Guid.NewGuid():N}")} " +
        $"--device cpu --steps 1 --batch 1 {more}";

    private static MoeProcess.Exit Trains(string args)
    {
        var exit = MoeProcess.Run(args);
        Assert.True(exit.Code == 0, $"moe {args}: {exit}");
        return exit;
    }

    // "pass --OPTION N or less" -> N: the advice itself is what the next run uses
    private static int Advised(string line, string option)
    {
        var match = Regex.Match(line, $"pass {option} ([0-9]+) or less");
        Assert.True(match.Success, $"no \"pass {option} N or less\" in: {line}");
        return int.Parse(match.Groups[1].Value);
    }

    [Fact]
    public void One_document_is_refused_saying_what_a_document_is()
    {
        string data = Corpus(RandomWords(200, 1));
        Refusal.Assert(Train(data, "--seq 16"), "1 document, but training holds one out for validation", CorpusFit.WhatADocumentIs, "add a second file");
    }

    [Theory]
    [InlineData(2000, 1)]
    [InlineData(5000, 2)]
    public void A_corpus_too_small_for_the_vocabulary_names_vocab_and_training_with_the_advised_vocab_works(int words, int seed)
    {
        string data = Corpus(RandomWords(words, seed), RandomWords(200, seed + 100));
        string line = Refusal.Assert(Train(data, "--seq 16"), "its training text makes a tokenizer of only", "fewer than the vocabulary of 512");
        int vocab = Advised(line, "--vocab");
        Assert.InRange(vocab, 257, 511);
        string stdout = Trains(Train(data, $"--seq 16 --vocab {vocab}")).Stdout;
        Assert.Contains($"BPE tokenizer of {vocab}", stdout);
        // the checkpoint's config says the same vocabulary
        Assert.Contains($"\"vocab_size\": {vocab}", File.ReadAllText(Directory.GetFiles(_folder, "config.json", SearchOption.AllDirectories).Single()));
    }

    [Theory]
    [InlineData(4, 64)]     // at most ~40 bytes of text: a byte-level tokenizer (--vocab 257, no merges) makes one token a byte
    [InlineData(10, 128)]
    public void A_training_split_shorter_than_one_window_names_seq_and_the_advised_seq_works(int words, int seq)
    {
        string data = Corpus(RandomWords(words, 3), RandomWords(words, 4));
        string line = Refusal.Assert(Train(data, $"--seq {seq} --vocab 257"), $"--seq {seq}: the training split of {data} holds", $"one window of --seq + 1 = {seq + 1}");
        int fits = Advised(line, "--seq");
        Trains(Train(data, $"--seq {fits} --vocab 257 --eval-every 0"));
    }

    [Fact]
    public void A_validation_split_shorter_than_one_window_is_a_warning_naming_seq_and_eval_every()
    {
        string data = Corpus(RandomWords(3000, 5), "alpha beta");
        var exit = Trains(Train(data, "--seq 16 --vocab 257"));
        string warning = Assert.Single(exit.StderrLines);
        Assert.StartsWith("moe: warning: no validation loss: the validation split of", warning);
        Assert.Contains(CorpusFit.WhatTheValidationSplitIs, warning);
        Assert.Contains("--eval-every 0", warning);
        Assert.DoesNotContain("val loss", exit.Stdout);
        Assert.Empty(Trains(Train(data, "--seq 16 --vocab 257 --eval-every 0")).StderrLines);   // asked for no validation: nothing to warn of
    }

    [Fact]
    public void The_end_of_run_sample_is_prompted_by_the_first_words_of_the_validation_document()
    {
        string data = Corpus(RandomWords(3000, 6), "Zebras graze quietly near " + RandomWords(300, 7));
        string stdout = Trains(Train(data, "--seq 16 --vocab 270")).Stdout;
        Assert.Contains("\nsample: Zebras graze quietly", stdout);
        Assert.DoesNotContain("Gets the", stdout);
    }

    [Fact]
    public void The_sample_prompt_is_the_first_words_of_the_first_validation_document()
    {
        static Document Doc(string text) => new("x", [new TextChunk(TextKind.Prose, text)]);
        var documents = Enumerable.Range(0, 250).Select(i => Doc($"  doc\t{i}\n  of the corpus")).ToList();
        var corpus = new Corpus("c", "memory", 1, 0, documents);
        Assert.Equal("doc 99 of", corpus.SamplePrompt());            // every 100th is held out: the first is 99
        Assert.Equal("doc 1 of", (corpus with { Documents = documents[..2] }).SamplePrompt());   // under 100 documents: the last
        Assert.Equal(new string('x', 48), (corpus with { Documents = [Doc("a"), Doc(new string('x', 100))] }).SamplePrompt());
        Assert.Equal("", (corpus with { Documents = [Doc("a"), Doc("   ")] }).SamplePrompt());
        var memberThenSummary = new Document("m", [new TextChunk(TextKind.Code, "System.Convert.ToInt32 "), new TextChunk(TextKind.Prose, "Converts the value")]);
        Assert.Equal("Converts the value", (corpus with { Documents = [Doc("a"), memberThenSummary] }).SamplePrompt());   // prose first, as the default corpus's summaries
    }
}
