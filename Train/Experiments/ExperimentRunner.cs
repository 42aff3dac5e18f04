// ExperimentRunner: trains every model of an experiment through the ordinary Trainer — the same
// training batches (one seed), the same token budget, the same backbone and recipe — then measures
// each on the whole validation split: the expert analysis's plain pass for a MoE model (its loss,
// load and routing by kind; with the sweeps too for the redundancy experiment), a plain
// ValidationPass for the dense one. Each model gets a run folder OUT/<name>/ as `moe train`
// writes one — metrics.jsonl and a final checkpoint (`moe analyze --checkpoint OUT/<name>` and
// `moe train --resume OUT/<name> --steps M` work on it) — plus analysis/ for a MoE model.
// Wall time is measured per model (training; then with evaluation, analysis and save) and in total.
// Not here: which models (ExperimentCatalog), what the numbers say (ExperimentFindings), files and
// tables (ExperimentReport).
using System.Diagnostics;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;

namespace MoeFromScratch.Train.Experiments;

/// <param name="Steps">Optimizer steps per model; null = the scale's default.</param>
/// <param name="Command">The command line, recorded in the results.</param>
public sealed record ExperimentOptions(string Name, ExperimentScale Scale, long? Steps, ulong Seed, string Out, string? Data, string? Cache, string Device, string Command);

public static class ExperimentRunner
{
    public const string AnalysisFolder = "analysis";

    public static ExperimentResult Run(ExperimentOptions o, TextWriter log)
    {
        var experiment = ExperimentCatalog.Get(o.Name, o.Scale);
        var s = o.Scale;
        long steps = o.Steps ?? s.Steps;
        var settings = new TrainSettings
        {
            Steps = steps,
            BatchSize = s.BatchSize,
            SequenceLength = s.SequenceLength,
            LearningRate = s.LearningRate,
            WarmupSteps = Math.Max(1, steps / 10),
            EvalEvery = Math.Max(1, steps / 6),   // six points on each validation curve
            EvalBatches = s.EvalBatches,
            SaveEvery = 0,
            Seed = o.Seed,
            Data = o.Data,
        }.Validate();

        var corpus = o.Data is null ? DefaultCorpus.Load() : TextFilesCorpus.Load(o.Data);
        var prepared = TokenizedCorpus.Prepare(corpus, s.VocabSize, o.Cache ?? TokenizedCorpus.DefaultCacheRoot());
        if (prepared.Tokenizer.VocabSize != s.VocabSize)
            throw new DataException($"{corpus.Origin}: too little text for a {s.VocabSize}-token vocabulary (got {prepared.Tokenizer.VocabSize})");
        using var trainTokens = prepared.OpenTrain();
        using var split = new ValidationSplit(prepared, s.BatchSize, s.SequenceLength, batches: null);
        using var backend = DeviceSelector.Open(o.Device);
        double unigram = UnigramBaseline.Loss(trainTokens, split.Data);
        log.WriteLine($"experiment {o.Name} ({s.Name} scale) on {backend.Name}: {experiment.Models.Count} models × {steps} steps of {s.BatchSize} × {s.SequenceLength} tokens, " +
            $"seed {o.Seed}; validation {Training.Reporting.Wording.Count(split.Data.Count, "batch", "batches")} ({split.Data.Tokens:N0} tokens, unigram loss {unigram:F4}) of {prepared.Folder}; out {o.Out}");

        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var models = new List<ModelResult>();
        foreach (var variant in experiment.Models)
            models.Add(TrainOne(variant, experiment.Sweeps, settings, trainTokens, split.Data, prepared, backend, Path.Combine(o.Out, variant.Name), log));
        double wall = clock.Elapsed.TotalSeconds;
        log.WriteLine($"experiment {o.Name}: {wall:F0} s in total");
        return new ExperimentResult(o.Name, experiment.Summary, experiment.Claim, o.Command, s.Name, backend.Name, Environment.ProcessorCount, o.Seed,
            steps, s.BatchSize, s.SequenceLength, steps * s.BatchSize * s.SequenceLength, split.Data.Tokens, unigram, prepared.Folder,
            started, wall, models, ExperimentFindings.Of(experiment, models));
    }

    private static ModelResult TrainOne(ModelVariant variant, bool sweeps, TrainSettings settings, TokenFile trainTokens, ValidationData validation,
        TokenizedCorpus prepared, Tensors.IBackend backend, string folder, TextWriter log)
    {
        var (total, activated) = ParameterCount.Of(variant.Config);
        log.WriteLine($"== {variant.Name}: {variant.Design}; {total.Total:N0} parameters, {activated.Total:N0} activated per token");
        var clock = Stopwatch.StartNew();
        using var model = (DeepSeekMoeLanguageModel)ModelFactory.Create(variant.Config, backend, settings.Seed);
        string checkpoint;
        using (var optimizer = new AdamW(model.Module.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay))
        using (var metrics = new MetricsLog(folder))
        {
            var train = new TokenBatches(trainTokens, settings.BatchSize, settings.SequenceLength, settings.Seed, WindowOrder.Random);
            var saver = new TrainingCheckpoint(folder, model, optimizer, variant.Config, prepared.Tokenizer);
            var reporter = new LineReporter(log, every: (int)Math.Max(1, settings.Steps / 10));
            checkpoint = new Trainer(model, optimizer, train, validation.Batches, settings, saver, metrics, reporter).Run().Checkpoint!;
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;

        // MoE models: the analysis's plain pass gives the loss with the load and routing by kind; dense: the loss alone
        AnalysisResult? analysis = null;
        double loss;
        if (Enumerable.Range(0, variant.Config.NumHiddenLayers).Any(variant.Config.IsMoeLayer))
        {
            analysis = ExpertAnalysis.Run(model.Model, validation, line => log.WriteLine($"  {line}"), sweeps) with { Checkpoint = checkpoint, Data = prepared.Folder };
            string analysisFolder = Path.Combine(folder, AnalysisFolder);
            AnalysisJson.Write(analysis, analysisFolder);
            AnalysisPlots.WriteAll(analysis, analysisFolder, variant.Name);
            loss = analysis.ValidationLoss;
        }
        else loss = ValidationPass.Run(model.Model, validation, new RoutingOverride());
        double wall = clock.Elapsed.TotalSeconds;
        log.WriteLine($"== {variant.Name}: val loss {loss:F4} on {validation.Tokens:N0} tokens; trained in {trainSeconds:F1} s " +
            $"({1000 * trainSeconds / settings.Steps:F0} ms/step), {wall:F1} s with evaluation and save");
        return new ModelResult(variant.Name, variant.Design, MoeKindNames.Name(variant.Config.MoeKind), total.Total, activated.Total,
            loss, variant.PaperLoss, trainSeconds, wall, folder, checkpoint, analysis);
    }
}
