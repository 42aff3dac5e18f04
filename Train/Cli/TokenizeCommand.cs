// `moe tokenize [--data PATH] [--vocab N] [--out DIR] [--eval-tokens FILE [--seq T] [--sequences N]]`:
// trains (or loads from the cache) the BPE tokenizer on a corpus, tokenises the corpus into
// train/validation token files, and prints what it used and how well it compresses. Runs once per
// (corpus, vocab); later runs hit the cache. --eval-tokens also writes the validation split as the
// JSON sequences `moe eval --tokens` reads (Data/TokenSequencesFile): the same (corpus, vocab) as a
// `moe train --data` run gives that run's tokenizer, so the ids mean the same text to its model.
// It is not needed before `moe train`, which prepares the same cache itself; it is the way to
// look at the data step on its own and to time it.
using System.CommandLine;
using System.Diagnostics;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Training.Reporting;
using Spectre.Console;

namespace MoeFromScratch.Train.Cli;

public static class TokenizeCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "A text file or a folder of text files (default: the .NET SDK's reference documentation XML)." };
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size: 256 bytes + merges + <|endoftext|>.", DefaultValueFactory = _ => 4096 };
        vocab.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value is < 257 or > 1 << 20) result.AddError($"--vocab {value}: expected 257..{1 << 20} (256 bytes + <|endoftext|> at least)");
        });
        var output = new Option<string?>("--out") { Description = "Cache folder for the tokenizer and token files (default: ~/.cache/moefromscratch)." };
        var evalTokens = new Option<string?>("--eval-tokens") { Description = "Also write the validation split to this file as `moe eval --tokens` input (a JSON array of --seq-token sequences)." };
        var seq = new Option<int>("--seq") { Description = "With --eval-tokens: tokens per sequence.", DefaultValueFactory = _ => new Training.TrainSettings().SequenceLength };
        seq.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var value and < 2) result.AddError($"--seq {value}: expected 2 or more (a sequence predicts its tokens after the first)");
        });
        var sequences = new Option<int?>("--sequences") { Description = "With --eval-tokens: write at most this many sequences (default: the whole validation split)." };
        sequences.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is int value and < 1) result.AddError($"--sequences {value}: expected 1 or more");
        });
        var command = new Command("tokenize", "Train or load the BPE tokenizer on a corpus, tokenise it, and print statistics.") { data, vocab, output, evalTokens, seq, sequences };
        command.SetAction(parse => Run(parse.GetValue(data), parse.GetValue(vocab), parse.GetValue(output),
            parse.GetValue(evalTokens), parse.GetValue(seq), parse.GetValue(sequences)));
        return command;
    }

    private static int Run(string? dataPath, int vocabSize, string? output, string? evalTokens, int seq, int? sequences)
    {
        var clock = Stopwatch.StartNew();
        var corpus = dataPath is null ? DefaultCorpus.Load() : TextFilesCorpus.Load(dataPath);
        var readTime = clock.Elapsed;
        var prepared = TokenizedCorpus.Prepare(corpus, vocabSize, output ?? TokenizedCorpus.DefaultCacheRoot());
        using var train = prepared.OpenTrain();
        using var validation = prepared.OpenValidation();
        using var trainKinds = TokenFile.Open(prepared.TrainKindsPath);

        long textBytes = corpus.TextBytes;
        long tokens = train.Count + validation.Count;
        long documents = corpus.Documents.Count;
        var table = new Table().AddColumns("", "");
        table.AddRow("corpus", Markup.Escape($"{corpus.Name}: {corpus.Origin}"));
        table.AddRow("files", $"{corpus.Files:N0} ({Megabytes(corpus.SourceBytes)} on disk)");
        table.AddRow("text", $"{Megabytes(textBytes)} in {documents:N0} documents, read in {Seconds(readTime)}");
        table.AddRow("tokenizer", Markup.Escape($"{prepared.Tokenizer.VocabSize:N0} tokens, {(prepared.TokenizerFromCache ? "loaded" : "trained")} in {Seconds(prepared.TokenizerTime)}: {prepared.TokenizerPath}"));
        table.AddRow("tokens", $"{tokens:N0} = {train.Count:N0} train + {validation.Count:N0} validation ({(prepared.TokensFromCache ? "cached" : "encoded")} in {Seconds(prepared.EncodeTime)})");
        // Separators are not text, so they are left out of the compression ratio.
        table.AddRow("bytes/token", $"{(double)textBytes / (tokens - documents):F2}");
        table.AddRow("token kinds (train)", Markup.Escape(KindShares(trainKinds)));
        table.AddRow("total time", Seconds(clock.Elapsed));
        ConsoleTables.Write(AnsiConsole.Console, table);
        if (evalTokens is not null)
        {
            var (written, tokensWritten) = TokenSequencesFile.Write(evalTokens, validation, seq, sequences);
            Console.WriteLine($"wrote {evalTokens}: {Training.Reporting.Wording.Count(written, "sequence", "sequences")} ({tokensWritten:N0} validation tokens) for `moe eval --tokens`");
        }
        return 0;
    }

    private static string KindShares(TokenFile kinds)
    {
        var counts = new long[Enum.GetValues<TextKind>().Length];
        var buffer = new int[1 << 16];
        for (long at = 0; at < kinds.Count; at += buffer.Length)
        {
            var span = buffer.AsSpan(0, (int)Math.Min(buffer.Length, kinds.Count - at));
            kinds.Read(at, span);
            foreach (int k in span) counts[k]++;
        }
        return string.Join(", ", Enum.GetValues<TextKind>().Select(k => $"{k.ToString().ToLowerInvariant()} {100.0 * counts[(int)k] / Math.Max(1, kinds.Count):F1}%"));
    }

    private static string Megabytes(long bytes) => $"{bytes / 1e6:F1} MB";
    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:F1} s";
}
