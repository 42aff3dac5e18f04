// `moe analyze --checkpoint DIR [--data PATH] [--out DIR] [--device D] [--batches N] [--json]`:
// what the experts of a trained MoE model do, on its validation split (Analysis/ExpertAnalysis.cs):
// expert load per layer, the paper's redundancy test, fewer activated experts, and routing by kind
// of text with a specialisation score. Writes analysis.json and the plots into --out (default
// DIR/analysis, DIR as given: a run folder or a checkpoint) and prints tables, or with --json the same JSON on stdout (progress on stderr).
// The data is the corpus the model was trained on: --data, else the run's saved setting, else the
// default corpus; its cached tokenizer must be the checkpoint's, or the token ids would mean other
// text. Batch and sequence length are the run's (or `moe train`'s defaults for a bare model folder).
// A dense model, a missing folder, a mismatched tokenizer, a model or batch the device cannot hold
// (MemoryPlan, checked before the corpus is read): one line, exit 1.
using System.CommandLine;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;
using Spectre.Console;

namespace MoeFromScratch.Train.Cli;

public static class AnalyzeCommand
{
    private sealed record Options(string Checkpoint, string? Data, string? Out, string Device, int? Batches, bool Json, string? Cache, string Precision);

    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint folder, a run folder (its latest checkpoint), or an HF-style model folder.", Required = true };
        var data = new Option<string?>("--data") { Description = "The text the model was trained on (default: the run's --data, else the default corpus)." };
        var output = new Option<string?>("--out") { Description = "Folder for analysis.json and the plots (default: <--checkpoint>/analysis)." };
        var device = DeviceSelector.CreateOption();
        var batches = new Option<int?>("--batches") { Description = "Validation batches per pass (default: the whole validation split once)." };
        var json = new Option<bool>("--json") { Description = "Print analysis.json on stdout instead of tables." };
        var cache = new Option<string?>("--cache") { Description = "Cache folder for the tokenizer and token files (default: ~/.cache/moefromscratch)." };
        var precision = PrecisionOption.ForInference();
        var command = new Command("analyze", "Expert load, redundancy, fewer active experts and routing by kind of text of a trained MoE model.")
        {
            checkpoint, data, output, device, batches, json, cache, precision,
        };
        command.SetAction(parse => Run(new Options(parse.GetValue(checkpoint)!, parse.GetValue(data), parse.GetValue(output), parse.GetValue(device)!,
            parse.GetValue(batches), parse.GetValue(json), parse.GetValue(cache), parse.GetValue(precision)!)));
        return command;
    }

    private static int Run(Options o)
    {
        if (o.Batches is < 1) throw new Tensors.UsageException($"--batches {o.Batches}: expected >= 1");
        string folder = ModelFolder.Resolve(o.Checkpoint);
        string statePath = Path.Combine(folder, TrainerState.FileName);
        var settings = File.Exists(statePath) ? TrainerState.Load(statePath).Settings : new TrainSettings();
        using var backend = DeviceSelector.Open(o.Device);
        var precision = PrecisionOption.Resolve(o.Precision, backend);
        // the config against the weights' headers, and a validation batch's memory against the device, before the corpus is read
        var config = ModelFolder.CheckedConfig(folder, backend, c => MemoryPlan.ForInference(c, Math.Min(settings.SequenceLength, c.MaxPositionEmbeddings),
            $"a validation batch of the run's --batch {settings.BatchSize} × --seq {settings.SequenceLength}", kvCache: false, fusedAttention: backend.HasFusedAttention, batch: settings.BatchSize,
            valueBytes: precision.Weights.SizeInBytes()));
        ExpertAnalysis.RequireMoe(config, folder);

        string? dataPath = o.Data ?? settings.Data;
        var corpus = dataPath is null ? DefaultCorpus.Load() : TextFilesCorpus.Load(dataPath);
        var prepared = TokenizedCorpus.Prepare(corpus, config.VocabSize, o.Cache ?? TokenizedCorpus.DefaultCacheRoot(), vocabOption: null);   // the checkpoint fixes it
        ModelFolder.RequireSameTokenizer(folder, prepared.Tokenizer, prepared.TokenizerPath, dataPath ?? corpus.Origin);
        using var split = new ValidationSplit(prepared, settings.BatchSize, Math.Min(settings.SequenceLength, config.MaxPositionEmbeddings), o.Batches);

        using var model = Model.Checkpoint.ModelWeights.Load(folder, backend, precision.Weights);
        var progress = o.Json ? Console.Error : Console.Out;
        progress.WriteLine($"analysing {folder} on {backend.Name}: {split.Data.Count} validation batches of {split.Data.Batches.BatchSize} × {split.Data.Batches.ContextLength} tokens per pass");
        var result = ExpertAnalysis.Run(model, split.Data, progress.WriteLine) with { Checkpoint = folder, Data = prepared.Folder };

        string outFolder = o.Out ?? Path.Combine(o.Checkpoint, "analysis");
        var written = new List<string> { AnalysisJson.Write(result, outFolder) };
        written.AddRange(AnalysisPlots.WriteAll(result, outFolder, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(o.Checkpoint)))));
        if (o.Json) Console.WriteLine(AnalysisJson.Serialize(result));
        else AnalysisTables.Write(result, AnsiConsole.Console);
        progress.WriteLine($"wrote {string.Join(", ", written)}");
        return 0;
    }
}
