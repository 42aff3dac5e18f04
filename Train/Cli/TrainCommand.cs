// `moe train`: trains a model from scratch or resumes one, the llm.c way —
//   load data → build model → AdamW → loop { forward, zero grad, backward, clip, step, log }.
// The loop itself is Training/Trainer.cs; this file turns options into its pieces. A fresh run
// writes runs/<timestamp>/ (checkpoint-NNNNNN/ folders, `latest`, metrics.jsonl), which it owns while it
// runs (Checkpointing/RunFolder: a second run there is refused, so is a fresh run over an old one); `--resume DIR`
// continues a run from its checkpoint with the saved settings (options given again override them,
// at the price of exactness). Ctrl-C (or SIGTERM) stops at the next step boundary, saves and exits
// 130 (143; Cli/StopSignal); a second one kills the process (the last complete checkpoint stays intact).
// Under `mpiexec -n P` the same command trains the same model data-parallel (Training/DataParallel):
// --batch stays the global batch, rank 0 alone prints and writes, local ranks share the CPU cores.
// `--parallel expert` splits the routed experts over the ranks instead of replicating them
// (Model/Moe/ExpertExchange.cs): E must divide by P, and the checkpoints are the same HF folders.
using System.CommandLine;
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;

namespace MoeFromScratch.Train.Cli;

public static class TrainCommand
{
    public const string DefaultConfig = "small";  // MoePresets.Small: a few minutes on 2 CPU cores

    private sealed record Options(
        string? Config, string? Data, int? Vocab, string Device, long? Steps, int? Batch, int? Seq, double? Lr, long? Warmup,
        string? Schedule, ulong? Seed, string? Out, string? Resume, long? EvalEvery, long? SaveEvery, long? LogEvery, bool PhaseTimes, string? Cache, bool Overwrite, bool HoldOutSft, string Parallel, string? Precision);


    public static Command Create()
    {
        var defaults = new TrainSettings();
        var config = new Option<string?>("--config") { Description = $"A preset ({string.Join(", ", MoePresets.All.Select(p => p.Name))}) or a config.json path (default {DefaultConfig}; on --resume, the checkpoint's)." };
        var data = new Option<string?>("--data") { Description = "A text file or a folder of text files (default: the .NET SDK's reference documentation XML)." };
        var vocab = new Option<int?>("--vocab") { Description = "Vocabulary size V: the tokenizer trained on the corpus has V tokens and the model's vocab_size is V (default: the config's vocab_size; a small --data makes fewer tokens)." };
        var device = DeviceSelector.CreateOption();
        var steps = new Option<long?>("--steps") { Description = $"Optimizer steps in the whole run (default {defaults.Steps})." };
        var batch = new Option<int?>("--batch") { Description = $"Sequences per step, B (default {defaults.BatchSize})." };
        var seq = new Option<int?>("--seq") { Description = $"Tokens per sequence, T (default {defaults.SequenceLength})." };
        var lr = new Option<double?>("--lr") { Description = $"Peak learning rate (default {defaults.LearningRate})." };
        var warmup = new Option<long?>("--warmup") { Description = "Linear warmup steps (default: a tenth of --steps)." };
        var schedule = new Option<string?>("--schedule") { Description = $"Learning-rate schedule: {string.Join(" or ", Schedule.Names)} (default {defaults.Schedule}: the paper's ×0.316 at 80% and 90%)." };
        var seed = new Option<ulong?>("--seed") { Description = $"Seed of the model init and the batch sampler (default {defaults.Seed})." };
        var output = new Option<string?>("--out") { Description = $"Run folder (default runs/<timestamp>, or the resumed run's folder); one that holds another run is refused unless {RunFolder.OverwriteOption}." };
        var resume = new Option<string?>("--resume") { Description = "Continue from a checkpoint folder, or a run folder's latest checkpoint." };
        var evalEvery = new Option<long?>("--eval-every") { Description = $"Steps between validation passes, 0 = never (default {defaults.EvalEvery})." };
        var saveEvery = new Option<long?>("--save-every") { Description = $"Steps between checkpoints, 0 = only at the end (default {defaults.SaveEvery})." };
        var logEvery = new Option<long?>("--log-every") { Description = $"Steps between reads of the losses (one read-back each, the only one a step needs for them) and metrics.jsonl lines (default {defaults.LogEvery})." };
        var phaseTimes = new Option<bool>("--phase-times") { Description = "Time each phase of a step on the device (Vulkan: timestamp queries, one wait a step); without it nothing in a step waits for the device to time it, and on a GPU the phase times are the host's time to queue the work." };
        var overwrite = new Option<bool>(RunFolder.OverwriteOption) { Description = "Delete the run already in --out (its checkpoints, latest, metrics.jsonl) and start a fresh one there." };
        var holdOutSft = new Option<bool>("--hold-out-sft") { Description = "Leave the namespaces `moe sft` evaluates on out of the default corpus (its own cache folder), so the fine-tuned model is evaluated on documentation it never read. Default: the whole documentation." };
        var cache = new Option<string?>("--cache") { Description = "Cache folder for the tokenizer and token files (default: ~/.cache/moefromscratch)." };
        var precision = new Option<string?>("--precision") { Description = $"{Precision.Names}: bf16 keeps float32 master weights and AdamW state and runs the forward and backward in bfloat16 (the router and the losses in float32); fp64 only on the CPU (default {defaults.Precision}; on --resume, the run's)." };
        var parallel = WorldStart.ParallelOption();
        var command = new Command("train", "Train a DeepSeekMoE model (or resume a run), saving checkpoints and metrics.jsonl.")
        {
            config, data, vocab, device, steps, batch, seq, lr, warmup, schedule, seed, output, resume, evalEvery, saveEvery, logEvery, phaseTimes, cache, overwrite, holdOutSft, parallel, precision,
        };
        command.SetAction(parse => Run(new Options(
            parse.GetValue(config), parse.GetValue(data), parse.GetValue(vocab), parse.GetValue(device)!, parse.GetValue(steps), parse.GetValue(batch),
            parse.GetValue(seq), parse.GetValue(lr), parse.GetValue(warmup), parse.GetValue(schedule), parse.GetValue(seed),
            parse.GetValue(output), parse.GetValue(resume), parse.GetValue(evalEvery), parse.GetValue(saveEvery), parse.GetValue(logEvery), parse.GetValue(phaseTimes), parse.GetValue(cache), parse.GetValue(overwrite), parse.GetValue(holdOutSft), parse.GetValue(parallel)!, parse.GetValue(precision))));
        return command;
    }

    private static int Run(Options o)
    {
        // what to train: a fresh run, or the saved state of the run being resumed
        bool expertParallel = WorldStart.ExpertParallel(o.Parallel);
        var world = WorldStart.Open();
        bool writes = world.Rank == 0;                        // rank 0 prints and writes; the others are quiet
        string? resumeFolder = o.Resume is null ? null : CheckpointStore.Resolve(o.Resume);
        var saved = resumeFolder is null ? null : TrainerState.Load(Path.Combine(resumeFolder, TrainerState.FileName));
        if (saved is not null && o.Steps is long steps && steps <= saved.Step)
            throw new Tensors.UsageException($"--steps {steps}: the checkpoint {resumeFolder} is at step {saved.Step} already; pass --steps above {saved.Step} to train further");
        string configSource = o.Config ?? (resumeFolder is not null ? Path.Combine(resumeFolder, "config.json") : DefaultConfig);
        var config = o.Config is not null || resumeFolder is null ? MoePresets.Resolve(configSource) : MoeConfigJson.Load(configSource);
        config = WithVocab(config, o.Vocab, configSource, resumeFolder);
        var settings = Settings(o, saved?.Settings);

        // every part checked against the others before anything large is read or built
        if (settings.SequenceLength > config.MaxPositionEmbeddings)
            throw new Tensors.UsageException($"--seq {settings.SequenceLength}: longer than the config's max_position_embeddings {config.MaxPositionEmbeddings}");
        TokenizedCorpus.RequireTrainableVocab(config.VocabSize, configSource);
        if (resumeFolder is not null) Model.Checkpoint.ModelCheckpoint.CheckHeaders(resumeFolder, config);
        WorldStart.RequireSplits(world, settings.BatchSize, config, expertParallel);
        world.Require(world.Size == 1 || expertParallel || config.SeqAux || (config.AuxLossAlpha == 0 && config.DeviceAuxLossAlpha == 0),
            "seq_aux false: a balance loss over the whole batch needs the routing counts of every rank, which data-parallel training does not exchange; use seq_aux true (the official default), --parallel expert (which exchanges them) or one process");
        var (opened, why) = DeviceSelector.OpenExplained(WorldStart.Device(world, o.Device));
        using var backend = opened;
        var precision = Precision.Parse(settings.Precision).On(backend);
        MemoryPlan.ForTraining(config, settings.BatchSize / world.Size, settings.SequenceLength, backend.HasFusedAttention).Check(backend);

        // the run folder: this process's alone until it ends (a second run on it is refused); rank 0 owns it
        using var owner = writes ? RunFolder.Claim(o.Out, resumeFolder is null ? null : Path.GetDirectoryName(Path.GetFullPath(resumeFolder)), o.Overwrite,
            freshName: Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss"))) : null;
        string runFolder = owner?.Folder ?? "";

        // load data: tokenizer and token files (cached), train batches in random order, validation sequential
        // rank 0 tokenises (or finds the cache) first; the others then read what it cached
        if (!writes) world.Barrier();
        var data = PrepareData(settings.Data, settings.HoldOutSft, config.VocabSize, o.Cache, settings);
        if (writes) world.Barrier();
        using var trainTokens = data.Train;
        using var validationTokens = data.Validation;
        var tokenizer = data.Tokenizer;
        if (resumeFolder is not null)
            ModelFolder.RequireSameTokenizer(resumeFolder, tokenizer, data.TokenizerPath, settings.Data ?? "the default corpus");
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);   // see PrepareData
        var train = new TokenBatches(trainTokens, settings.BatchSize, settings.SequenceLength, settings.Seed, WindowOrder.Random);
        TokenBatches? validation = validationTokens.Count > settings.SequenceLength
            ? new TokenBatches(validationTokens, settings.BatchSize, settings.SequenceLength, settings.Seed, WindowOrder.Sequential) : null;

        // build the model and the optimizer on the device; restore them when resuming
        var model = ModelFactory.Create(config, backend, settings.Seed, expertParallel ? world : null, precision);
        using var optimizer = new AdamW(model.Module.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay);
        var checkpoint = writes ? new TrainingCheckpoint(runFolder, model, optimizer, config, tokenizer) : null;
        var restored = resumeFolder is null ? null : TrainingCheckpoint.Restore(resumeFolder, model, optimizer);
        using var metrics = writes ? new MetricsLog(runFolder, restored?.Step ?? 0) : null;
        if (WorldStart.WorldLine(world, backend, WorldStart.Parallelism(world, config, expertParallel)) is { } worldLine) Console.WriteLine(worldLine);
        Console.WriteLine($"model {o.Config ?? (resumeFolder is null ? DefaultConfig : "of the checkpoint")} in {precision.Name} on {backend.Name} ({why}); run folder {runFolder}" +
            (resumeFolder is null ? "" : $"; resuming from {resumeFolder} at step {restored!.Step}"));

        // the loop, with Ctrl-C or SIGTERM asking for a clean stop at the next step boundary
        var (result, exitCode) = TrainLoop.Run(reporter => new Trainer(model, optimizer, train, validation, settings, checkpoint, metrics, reporter,
                new DataParallel(world, model.Module is Model.DeepSeekMoe moe ? moe.ShardedParameters() : null)),
            restored, settings, writes ? runFolder : null, metrics);
        World.Close();                                    // the last collective is behind us (every rank saw the same averaged losses)
        // a sample needs every rank's experts, and the world is closed: expert-parallel runs print none
        if (result is { Cancelled: false } && writes && !expertParallel) PrintSample(model, tokenizer, data.SamplePrompt, (int)settings.Seed);
        return exitCode;
    }

    // Reads and tokenises the corpus (or finds it in the cache), checks it is big enough for the run
    // (Data/CorpusFit) and says what it used. Only the tokenizer, the memory-mapped token files and the
    // sample prompt leave: the corpus text and the garbage of parsing it (about 250 MB for the default
    // corpus) become garbage on return, which the caller's aggressive collection hands back to the OS
    // before training starts.
    private static (BpeTokenizer Tokenizer, string TokenizerPath, TokenFile Train, TokenFile Validation, string SamplePrompt) PrepareData(
        string? data, bool holdOutSft, int vocabSize, string? cache, TrainSettings settings)
    {
        if (holdOutSft && data is not null) throw new Tensors.UsageException("--hold-out-sft: only for the default corpus, not with --data");
        var corpus = data is not null ? TextFilesCorpus.Load(data)
            : holdOutSft ? DefaultCorpus.Load(Sft.DocNamespaces.FromFolder(DefaultCorpus.DocsFolder()).KeepsForPretraining) : DefaultCorpus.Load();
        Console.WriteLine($"corpus {corpus.Name}: {corpus.Origin} ({Wording.Count(corpus.Files, "file", "files")}, {corpus.TextBytes / 1e6:F1} MB of text in {Wording.Count(corpus.Documents.Count, "document", "documents")})");
        var prepared = TokenizedCorpus.Prepare(corpus, vocabSize, cache ?? TokenizedCorpus.DefaultCacheRoot());
        var train = prepared.OpenTrain();
        var validation = prepared.OpenValidation();
        Console.WriteLine($"tokens {train.Count:N0} train + {validation.Count:N0} validation; BPE tokenizer of {prepared.Tokenizer.VocabSize:N0} " +
            $"{(prepared.TokenizerFromCache ? "from the cache" : $"trained in {prepared.TokenizerTime.TotalSeconds:F1} s")}: {prepared.Folder}");
        CorpusFit.RequireTrainingWindow(corpus, train.Count, settings.SequenceLength);
        if (settings.EvalEvery > 0 && CorpusFit.ValidationWindowMissing(corpus, validation.Count, settings.SequenceLength, without: "--eval-every 0") is string why)
            Console.Error.WriteLine($"moe: warning: no validation loss: {why}");
        return (prepared.Tokenizer, prepared.TokenizerPath, train, validation, corpus.SamplePrompt());
    }

    // A few sampled tokens after a prompt from the corpus's own validation text, so the end of a run
    // shows what the model has learned of the user's data.
    private static void PrintSample(ILanguageModel model, BpeTokenizer tokenizer, string prompt, int seed)
    {
        Console.Write("sample: ");
        TextGenerator.Generate(model, tokenizer, prompt, maxTokens: 40, new Sampler(temperature: 0.8, topP: 0.95, seed), Console.Write);
        Console.WriteLine();
    }

    // --vocab sets vocab_size of a fresh run's config (validated as a config field is); a resumed run
    // keeps its checkpoint's tokenizer, so there it may only repeat the checkpoint's vocab_size.
    private static MoeConfig WithVocab(MoeConfig config, int? vocab, string configSource, string? resumeFolder)
    {
        if (vocab is not int v || v == config.VocabSize) return config;
        if (resumeFolder is not null)
            throw new Tensors.UsageException($"--vocab {v}: the checkpoint {resumeFolder} has vocab_size {config.VocabSize} and a resumed run keeps its tokenizer; drop --vocab, or start a fresh run");
        TokenizedCorpus.RequireTrainableVocab(v, "--vocab");
        return (config with { VocabSize = v }).Validate("--vocab");
    }

    // Options given on the command line win; then the resumed run's settings; then the defaults.
    private static TrainSettings Settings(Options o, TrainSettings? saved)
    {
        var s = saved ?? new TrainSettings();
        long steps = o.Steps ?? s.Steps;
        if (saved is not null && o.Steps is not null && o.Warmup is null && saved.WarmupSteps > steps)
            throw new Tensors.UsageException($"--steps {steps}: fewer than the {saved.WarmupSteps} warmup steps of the run being resumed; pass --warmup (0..{steps}) too");
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
            LogEvery = o.LogEvery ?? s.LogEvery,
            PhaseTimes = o.PhaseTimes,
            Data = o.Data ?? s.Data,
            HoldOutSft = o.HoldOutSft || s.HoldOutSft,
            Precision = o.Precision ?? s.Precision,
        }).Validate();
    }
}
