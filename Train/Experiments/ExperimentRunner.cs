// ExperimentRunner: trains every model of an experiment once per seed through the ordinary Trainer
// (SeedTraining) — for a given seed every model sees the same training batches, the same token
// budget, the same backbone and recipe, and its init from that seed — then gathers the per-seed
// validation losses, their mean ± std and every pair's paired interval (SeedStatistics) and the
// findings. The seeds run outermost, so a stopped run already holds whole seeds of the comparison.
// The experiment folder is owned by one process (RunFolderLock); a rerun of the same command skips
// every model and seed that finished (seed_result.json) and resumes the one Ctrl-C stopped.
// Wall time is measured per model and seed (training; then with evaluation, analysis and save) and in total.
// Not here: which models (ExperimentCatalog), what the numbers say (ExperimentFindings), files and
// tables (ExperimentReport).
using System.Diagnostics;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Experiments;

/// <param name="Steps">Optimizer steps per model and seed; null = from Tokens, else the experiment's default budget.</param>
/// <param name="Tokens">Training tokens per model and seed (rounded up to whole steps of B·T); null = Steps, else the default.</param>
/// <param name="Seeds">One run of every model per seed; each seed sets the init and the batch order.</param>
/// <param name="Command">The command line, recorded in the results.</param>
public sealed record ExperimentOptions(string Name, ExperimentScale Scale, long? Steps, long? Tokens, IReadOnlyList<ulong> Seeds,
    string Out, string? Data, string? Cache, string Device, string Command);

public static class ExperimentRunner
{
    /// <summary>Runs (or continues) the experiment; null when cancel stopped it (what finished is kept for a rerun).</summary>
    public static ExperimentResult? Run(ExperimentOptions o, TextWriter log, CancellationToken cancel = default)
    {
        if (o.Seeds.Count == 0 || o.Seeds.Distinct().Count() != o.Seeds.Count)
            throw new Tensors.UsageException($"--seeds {string.Join(',', o.Seeds)}: expected one or more distinct seeds");
        var experiment = ExperimentCatalog.Get(o.Name, o.Scale);
        var s = o.Scale;
        long steps = ExperimentBudget.Steps(experiment, s, o.Steps, o.Tokens);
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
            Seed = o.Seeds[0],
            Data = o.Data,
        }.Validate();

        using var owner = RunFolderLock.Acquire(o.Out);
        var corpus = o.Data is null ? DefaultCorpus.Load() : TextFilesCorpus.Load(o.Data);
        var prepared = TokenizedCorpus.Prepare(corpus, s.VocabSize, o.Cache ?? TokenizedCorpus.DefaultCacheRoot(), vocabOption: null);   // the scale fixes it
        using var trainTokens = prepared.OpenTrain();
        using var split = new ValidationSplit(prepared, s.BatchSize, s.SequenceLength, batches: null);
        using var backend = DeviceSelector.Open(o.Device);
        double unigram = UnigramBaseline.Loss(trainTokens, split.Data);
        log.WriteLine($"experiment {o.Name} ({s.Name} scale) on {backend.Name}: {experiment.Models.Count} models × seeds {string.Join(", ", o.Seeds)} × " +
            $"{steps} steps of {s.BatchSize} × {s.SequenceLength} tokens; validation {Training.Reporting.Wording.Count(split.Data.Count, "batch", "batches")} " +
            $"({split.Data.Tokens:N0} tokens, unigram loss {unigram:F4}) of {prepared.Folder}; out {o.Out}");

        var context = new SeedTrainingContext(settings, trainTokens, split.Data, prepared, backend, log);
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var runs = experiment.Models.ToDictionary(m => m.Name, _ => new List<SeedRun>());
        foreach (ulong seed in o.Seeds)
            foreach (var variant in experiment.Models)
            {
                string folder = SeedTraining.FolderOf(o.Out, variant.Name, seed);
                var run = SeedTraining.Finished(folder, steps);
                if (run is not null) log.WriteLine($"-- {variant.Name}, seed {seed}: finished by an earlier run (val loss {run.ValidationLoss:F4}), skipped");
                else run = SeedTraining.Run(variant, seed, experiment.Sweeps, folder, context, cancel);
                if (run is null)
                {
                    int done = runs.Values.Sum(r => r.Count);
                    log.WriteLine($"experiment {o.Name}: stopped in {variant.Name}, seed {seed} ({done} of {experiment.Models.Count * o.Seeds.Count} model runs finished); " +
                        "run the same command again to continue");
                    return null;
                }
                runs[variant.Name].Add(run);
            }
        double wall = clock.Elapsed.TotalSeconds;
        log.WriteLine($"experiment {o.Name}: {wall:F0} s in total");

        var models = experiment.Models.Select(v =>
        {
            var (total, activated) = ParameterCount.Of(v.Config);
            return new ModelResult(v.Name, v.Design, MoeKindNames.Name(v.Config.MoeKind), total.Total, activated.Total, v.PaperLoss, runs[v.Name]);
        }).ToList();
        return new ExperimentResult(o.Name, experiment.Summary, experiment.Claim, o.Command, s.Name, backend.Name, Environment.ProcessorCount, o.Seeds,
            steps, s.BatchSize, s.SequenceLength, steps * s.BatchSize * s.SequenceLength, split.Data.Tokens, unigram, prepared.Folder,
            started, wall, models, ExperimentResult.Compare(models), ExperimentFindings.Of(experiment, models));
    }
}
