// `moe train`: trains a model from scratch or resumes one, the llm.c way —
//   load data → build model → AdamW → loop { forward, zero grad, backward, clip, step, log }.
// The loop itself is Training/Trainer.cs; this file turns options into its pieces. A fresh run
// writes runs/<timestamp>/ (checkpoint-NNNNNN/ folders, `latest`, metrics.jsonl); `--resume DIR`
// continues a run from its checkpoint with the saved settings (options given again override them,
// at the price of exactness). Ctrl-C (or SIGTERM) stops at the next step boundary, saves and exits
// 0; a second one kills the process (the last complete checkpoint stays intact).
// Under `mpiexec -n P` the same command trains the same model data-parallel (Training/DataParallel):
// --batch stays the global batch, rank 0 alone prints and writes, local ranks share the CPU cores.
using System.CommandLine;
using System.Runtime.InteropServices;
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Plots;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;
using Spectre.Console;

namespace MoeFromScratch.Train.Cli;

public static class TrainCommand
{
    public const string DefaultConfig = "small";  // MoePresets.Small: a few minutes on 2 CPU cores

    private sealed record Options(
        string? Config, string? Data, string Device, long? Steps, int? Batch, int? Seq, double? Lr, long? Warmup,
        string? Schedule, ulong? Seed, string? Out, string? Resume, long? EvalEvery, long? SaveEvery, string? Cache);

    public static Command Create()
    {
        var defaults = new TrainSettings();
        var config = new Option<string?>("--config") { Description = $"A preset ({string.Join(", ", MoePresets.All.Select(p => p.Name))}) or a config.json path (default {DefaultConfig}; on --resume, the checkpoint's)." };
        var data = new Option<string?>("--data") { Description = "A text file or a folder of text files (default: the .NET SDK's reference documentation XML)." };
        var device = new Option<string>("--device") { Description = DeviceSelector.Help, DefaultValueFactory = _ => "auto" };
        var steps = new Option<long?>("--steps") { Description = $"Optimizer steps in the whole run (default {defaults.Steps})." };
        var batch = new Option<int?>("--batch") { Description = $"Sequences per step, B (default {defaults.BatchSize})." };
        var seq = new Option<int?>("--seq") { Description = $"Tokens per sequence, T (default {defaults.SequenceLength})." };
        var lr = new Option<double?>("--lr") { Description = $"Peak learning rate (default {defaults.LearningRate})." };
        var warmup = new Option<long?>("--warmup") { Description = "Linear warmup steps (default: a tenth of --steps)." };
        var schedule = new Option<string?>("--schedule") { Description = $"Learning-rate schedule: {string.Join(" or ", Schedule.Names)} (default {defaults.Schedule}: the paper's ×0.316 at 80% and 90%)." };
        var seed = new Option<ulong?>("--seed") { Description = $"Seed of the model init and the batch sampler (default {defaults.Seed})." };
        var output = new Option<string?>("--out") { Description = "Run folder (default runs/<timestamp>, or the resumed run's folder)." };
        var resume = new Option<string?>("--resume") { Description = "Continue from a checkpoint folder, or a run folder's latest checkpoint." };
        var evalEvery = new Option<long?>("--eval-every") { Description = $"Steps between validation passes, 0 = never (default {defaults.EvalEvery})." };
        var saveEvery = new Option<long?>("--save-every") { Description = $"Steps between checkpoints, 0 = only at the end (default {defaults.SaveEvery})." };
        var cache = new Option<string?>("--cache") { Description = "Cache folder for the tokenizer and token files (default: ~/.cache/moefromscratch)." };
        var command = new Command("train", "Train a DeepSeekMoE model (or resume a run), saving checkpoints and metrics.jsonl.")
        {
            config, data, device, steps, batch, seq, lr, warmup, schedule, seed, output, resume, evalEvery, saveEvery, cache,
        };
        command.SetAction(parse => Run(new Options(
            parse.GetValue(config), parse.GetValue(data), parse.GetValue(device)!, parse.GetValue(steps), parse.GetValue(batch),
            parse.GetValue(seq), parse.GetValue(lr), parse.GetValue(warmup), parse.GetValue(schedule), parse.GetValue(seed),
            parse.GetValue(output), parse.GetValue(resume), parse.GetValue(evalEvery), parse.GetValue(saveEvery), parse.GetValue(cache))));
        return command;
    }

    private static int Run(Options o)
    {
        // what to train: a fresh run, or the saved state of the run being resumed
        var world = World.Open();
        bool writes = world.Rank == 0;                        // rank 0 prints and writes; the others are quiet
        if (!writes) Console.SetOut(TextWriter.Null);
        if (world.LocalSize > 1) Tensors.Cpu.CpuThreads.Limit(Math.Max(1, Environment.ProcessorCount / world.LocalSize));
        string? resumeFolder = o.Resume is null ? null : CheckpointStore.Resolve(o.Resume);
        var saved = resumeFolder is null ? null : TrainerState.Load(Path.Combine(resumeFolder, TrainerState.FileName));
        var config = o.Config is not null ? MoePresets.Resolve(o.Config)
            : resumeFolder is not null ? MoeConfigJson.Load(Path.Combine(resumeFolder, "config.json"))
            : MoePresets.Resolve(DefaultConfig);
        var settings = Settings(o, saved?.Settings);
        string runFolder = o.Out ?? (resumeFolder is not null ? Path.GetDirectoryName(Path.GetFullPath(resumeFolder))! : Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss")));
        if (settings.SequenceLength > config.MaxPositionEmbeddings)
            throw new Tensors.UsageException($"--seq {settings.SequenceLength}: longer than the config's max_position_embeddings {config.MaxPositionEmbeddings}");
        world.Require(settings.BatchSize % world.Size == 0,
            $"--batch {settings.BatchSize}: the global batch must divide by the {world.Size} ranks (each rank takes B/P sequences)");
        world.Require(world.Size == 1 || config.SeqAux || (config.AuxLossAlpha == 0 && config.DeviceAuxLossAlpha == 0),
            "seq_aux false: a balance loss over the whole batch needs the routing counts of every rank, which data-parallel training does not exchange; use seq_aux true (the official default) or one process");

        // load data: tokenizer and token files (cached), train batches in random order, validation sequential
        // rank 0 tokenises (or finds the cache) first; the others then read what it cached
        if (!writes) world.Barrier();
        var data = PrepareData(settings.Data, config.VocabSize, o.Cache);
        if (writes) world.Barrier();
        using var trainTokens = data.Train;
        using var validationTokens = data.Validation;
        var tokenizer = data.Tokenizer;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);   // see PrepareData
        var train = new TokenBatches(trainTokens, settings.BatchSize, settings.SequenceLength, settings.Seed, WindowOrder.Random);
        TokenBatches? validation = validationTokens.Count > settings.SequenceLength
            ? new TokenBatches(validationTokens, settings.BatchSize, settings.SequenceLength, settings.Seed, WindowOrder.Sequential) : null;

        // build the model and the optimizer on the device; restore them when resuming
        using var backend = DeviceSelector.Open(o.Device);
        var model = ModelFactory.Create(config, backend, settings.Seed);
        using var optimizer = new AdamW(model.Module.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay);
        var checkpoint = writes ? new TrainingCheckpoint(runFolder, model, optimizer, config, tokenizer) : null;
        var restored = resumeFolder is null ? null : TrainingCheckpoint.Restore(resumeFolder, model, optimizer);
        using var metrics = writes ? new MetricsLog(runFolder, restored?.Step ?? 0) : null;
        PrintWorld(world, backend);
        Console.WriteLine($"model {o.Config ?? (resumeFolder is null ? DefaultConfig : "of the checkpoint")} on {backend.Name}; run folder {runFolder}" +
            (resumeFolder is null ? "" : $"; resuming from {resumeFolder} at step {restored!.Step}"));

        // the loop, with Ctrl-C (SIGINT) or SIGTERM asking for a clean stop at the next step boundary
        using var cancel = new CancellationTokenSource();
        void OnStopSignal(PosixSignalContext context)
        {
            if (cancel.IsCancellationRequested) return;   // a second one ends the process at once
            context.Cancel = true;
            cancel.Cancel();
            string what = context.Signal == PosixSignal.SIGINT ? "Ctrl-C" : context.Signal.ToString();
            Console.Error.WriteLine($"moe: {what}: stopping after this step and saving a checkpoint ({what} again to quit at once)");
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
        try
        {
            var result = RunWithReporter(writes, reporter =>
            {
                var trainer = new Trainer(model, optimizer, train, validation, settings, checkpoint, metrics, reporter, new DataParallel(world));
                if (restored is not null) trainer.Resume(restored);
                return trainer.Run(cancel.Token);
            });
            Console.WriteLine($"{(result.Cancelled ? "stopped" : "done")} at step {result.State.Step}/{settings.Steps}" +
                (result.ValidationLoss is double v ? $", val loss {v:F4}" : "") +
                (result.Checkpoint is null ? "" : $"; checkpoint {result.Checkpoint}") + $"; metrics {metrics?.Path}");
            World.Close();                                    // the last collective is behind us
            if (!writes) return 0;
            RunPlots.TryWriteAll(runFolder);
            if (!result.Cancelled) PrintSample(model, tokenizer, (int)settings.Seed);
            return 0;
        }
        catch (TrainingDivergedException e)
        {
            World.Close();                                    // every rank saw the same averaged losses and stops here
            if (writes) Console.Error.WriteLine($"moe: error: {e.Message}");
            return 1;
        }
    }

    // Reads and tokenises the corpus (or finds it in the cache) and says what it used. Only the
    // tokenizer and the memory-mapped token files leave: the corpus text and the garbage of parsing
    // it (about 250 MB for the default corpus) become garbage on return, which the caller's
    // aggressive collection hands back to the OS before training starts.
    private static (BpeTokenizer Tokenizer, TokenFile Train, TokenFile Validation) PrepareData(string? data, int vocabSize, string? cache)
    {
        var corpus = data is null ? DefaultCorpus.Load() : TextFilesCorpus.Load(data);
        Console.WriteLine($"corpus {corpus.Name}: {corpus.Origin} ({corpus.Files:N0} file{(corpus.Files == 1 ? "" : "s")}, {corpus.TextBytes / 1e6:F1} MB of text in {corpus.Documents.Count:N0} documents)");
        var prepared = TokenizedCorpus.Prepare(corpus, vocabSize, cache ?? TokenizedCorpus.DefaultCacheRoot());
        if (prepared.Tokenizer.VocabSize != vocabSize)
            throw new DataException($"{prepared.TokenizerPath}: {prepared.Tokenizer.VocabSize} tokens, the config's vocab_size is {vocabSize}");
        var train = prepared.OpenTrain();
        var validation = prepared.OpenValidation();
        Console.WriteLine($"tokens {train.Count:N0} train + {validation.Count:N0} validation; BPE tokenizer of {prepared.Tokenizer.VocabSize:N0} " +
            $"{(prepared.TokenizerFromCache ? "from the cache" : $"trained in {prepared.TokenizerTime.TotalSeconds:F1} s")}: {prepared.Folder}");
        return (prepared.Tokenizer, train, validation);
    }

    // A few sampled tokens, so the end of a run shows what the model has learned.
    private static void PrintSample(ILanguageModel model, BpeTokenizer tokenizer, int seed)
    {
        Console.Write("sample: ");
        TextGenerator.Generate(model, tokenizer, "Gets the", maxTokens: 40, new Sampler(temperature: 0.8, topP: 0.95, seed), Console.Write);
        Console.WriteLine();
    }

    // Options given on the command line win; then the resumed run's settings; then the defaults.
    private static TrainSettings Settings(Options o, TrainSettings? saved)
    {
        var s = saved ?? new TrainSettings();
        long steps = o.Steps ?? s.Steps;
        return (s with
        {
            Steps = steps,
            BatchSize = o.Batch ?? s.BatchSize,
            SequenceLength = o.Seq ?? s.SequenceLength,
            LearningRate = o.Lr ?? s.LearningRate,
            WarmupSteps = o.Warmup ?? (saved is null ? Math.Max(1, steps / 10) : s.WarmupSteps),
            Schedule = o.Schedule ?? s.Schedule,
            Seed = o.Seed ?? s.Seed,
            EvalEvery = o.EvalEvery ?? s.EvalEvery,
            SaveEvery = o.SaveEvery ?? s.SaveEvery,
            Data = o.Data ?? s.Data,
        }).Validate();
    }

    // The world line under a launcher: P, the MPI library, each rank's device and CPU threads.
    private static void PrintWorld(ICommunicator world, IBackend backend)
    {
        if (world.Size == 1) return;
        var threads = new int[world.Size];
        world.AllGather<int>([Tensors.Cpu.CpuThreads.Count], threads);
        Console.WriteLine($"world: {world.Size} ranks, data parallel, {world.Library}; " +
            string.Join(", ", Enumerable.Range(0, world.Size).Select(r => $"rank {r}: {backend.Name} ({threads[r]} CPU thread{(threads[r] == 1 ? "" : "s")})")));
    }

    // A progress bar on an interactive terminal, plain lines (every 10 steps) otherwise; nothing on a quiet rank.
    private static TrainResult RunWithReporter(bool writes, Func<ITrainingReporter, TrainResult> run)
    {
        if (!writes) return run(new LineReporter(TextWriter.Null, every: 10));
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return run(new LineReporter(Console.Out, every: 10));
        return AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => run(new ProgressBarReporter(ctx.AddTask("starting"))));
    }
}
