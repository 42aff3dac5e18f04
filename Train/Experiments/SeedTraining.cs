// SeedTraining: one model of an experiment, trained with one seed through the ordinary Trainer and
// measured on the whole validation split — the expert analysis's plain pass for a MoE model (its
// loss, load and routing by kind; the sweeps too when asked), a plain ValidationPass for the dense
// one. Its folder OUT/<model>/seed-<s>/ is a run folder as `moe train` writes one — metrics.jsonl
// and checkpoints (`moe analyze --checkpoint` and `moe train --resume` work on it) — plus analysis/
// and seed_result.json, written last: a folder with that file is finished, and a rerun of the same
// command reads it instead of training again. A folder with a checkpoint but no result was stopped
// (Ctrl-C saves one at the step boundary): the rerun resumes it from that checkpoint.
// Not here: the loop over models and seeds (ExperimentRunner), the statistics (SeedStatistics).
using System.Diagnostics;
using System.Text.Json;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;

namespace MoeFromScratch.Train.Experiments;

/// <summary>What every model of an experiment shares: the data, the device, the recipe (its Seed is replaced per run).</summary>
public sealed record SeedTrainingContext(TrainSettings Settings, TokenFile TrainTokens, ValidationData Validation, TokenizedCorpus Prepared,
    Tensors.IBackend Backend, TextWriter Log);

public static class SeedTraining
{
    public const string ResultFile = "seed_result.json", AnalysisFolder = "analysis";

    private static readonly RegularFile.Kind ResultKind = new(Tensors.UserErrorKind.Checkpoint, $"a {ResultFile} of at most 16 MiB", 16 * RegularFile.MiB, m => new CheckpointException(m));

    public static string FolderOf(string experimentFolder, string model, ulong seed) => Path.Combine(experimentFolder, model, $"seed-{seed}");

    /// <summary>The run's result when a previous run of the same command finished it; null when it has still to train.</summary>
    public static SeedRun? Finished(string folder, long steps)
    {
        string path = Path.Combine(folder, ResultFile);
        if (!File.Exists(path)) return null;
        SeedRun? run;
        try
        {
            run = JsonSerializer.Deserialize(RegularFile.ReadAllText(path, ResultKind), TrainJson.Default.SeedRun);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: {e.Message.ReplaceLineEndings(" ")}; delete it to train that model again");
        }
        if (run is null) throw new CheckpointException($"{path}: empty; delete it to train that model again");
        if (run.Steps != steps)
            throw new Tensors.UsageException($"{path}: trained {run.Steps} steps, this run asks for {steps}; use another --out, or the same budget to continue that experiment");
        return run;
    }

    /// <summary>Trains (or resumes) and measures one model with one seed; null when cancel stopped it (a checkpoint is saved).</summary>
    public static SeedRun? Run(ModelVariant variant, ulong seed, bool sweeps, string folder, SeedTrainingContext context, CancellationToken cancel)
    {
        var settings = context.Settings with { Seed = seed };
        var log = context.Log;
        var clock = Stopwatch.StartNew();
        using var model = (DeepSeekMoeLanguageModel)ModelFactory.Create(variant.Config, context.Backend, seed);
        TrainResult trained;
        using (var optimizer = new AdamW(model.Module.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay))
        {
            var restored = Restore(folder, model, optimizer, settings);
            log.WriteLine(restored is null ? $"-- {variant.Name}, seed {seed}" : $"-- {variant.Name}, seed {seed}: resuming at step {restored.Step} of {settings.Steps}");
            using var metrics = new MetricsLog(folder, restored?.Step ?? 0);
            var train = new TokenBatches(context.TrainTokens, settings.BatchSize, settings.SequenceLength, seed, WindowOrder.Random);
            var saver = new TrainingCheckpoint(folder, model, optimizer, variant.Config, context.Prepared.Tokenizer);
            var reporter = new LineReporter(log, every: (int)Math.Max(1, settings.Steps / 10));
            var trainer = new Trainer(model, optimizer, train, context.Validation.Batches, settings, saver, metrics, reporter);
            if (restored is not null) trainer.Resume(restored);
            trained = trainer.Run(cancel);
        }
        if (trained.Cancelled) return null;
        double trainSeconds = clock.Elapsed.TotalSeconds;
        string checkpoint = CheckpointStore.Resolve(folder);

        // MoE models: the analysis's plain pass gives the loss with the load and routing by kind; dense: the loss alone
        AnalysisResult? analysis = null;
        double loss;
        var validation = context.Validation;
        if (Enumerable.Range(0, variant.Config.NumHiddenLayers).Any(variant.Config.IsMoeLayer))
        {
            analysis = ExpertAnalysis.Run(model.Model, validation, line => log.WriteLine($"  {line}"), sweeps) with { Checkpoint = checkpoint, Data = context.Prepared.Folder };
            string analysisFolder = Path.Combine(folder, AnalysisFolder);
            AnalysisJson.Write(analysis, analysisFolder);
            AnalysisPlots.WriteAll(analysis, analysisFolder, $"{variant.Name} (seed {seed})");
            loss = analysis.ValidationLoss;
        }
        else loss = ValidationPass.Run(model.Model, validation, new RoutingOverride());
        double wall = clock.Elapsed.TotalSeconds;
        log.WriteLine($"-- {variant.Name}, seed {seed}: val loss {loss:F4} on {validation.Tokens:N0} tokens; trained in {trainSeconds:F1} s " +
            $"({1000 * trainSeconds / settings.Steps:F0} ms/step), {wall:F1} s with evaluation and save");
        var run = new SeedRun(seed, settings.Steps, loss, trainSeconds, wall, folder, checkpoint, analysis);
        AtomicFile.WriteAllText(Path.Combine(folder, ResultFile), JsonSerializer.Serialize(run, TrainJson.Default.SeedRun) + "\n");
        return run;
    }

    // A stopped run's last checkpoint, when the folder has one; refused when it was trained under another budget.
    private static TrainerState? Restore(string folder, DeepSeekMoeLanguageModel model, AdamW optimizer, TrainSettings settings)
    {
        if (!File.Exists(Path.Combine(folder, CheckpointStore.LatestFile))) return null;
        var saved = TrainerState.Load(Path.Combine(CheckpointStore.Resolve(folder), TrainerState.FileName)).Settings;
        if ((saved.Steps, saved.BatchSize, saved.SequenceLength, saved.Seed) != (settings.Steps, settings.BatchSize, settings.SequenceLength, settings.Seed))
            throw new Tensors.UsageException($"{folder}: holds a stopped run of {saved.Steps} steps of {saved.BatchSize} × {saved.SequenceLength} (seed {saved.Seed}), " +
                $"this run asks for {settings.Steps} of {settings.BatchSize} × {settings.SequenceLength}; use another --out, or the same budget to continue that experiment");
        return TrainingCheckpoint.Restore(folder, model, optimizer);
    }
}
