// `moe sft --checkpoint RUN [--data builtin|FILE.jsonl] [--steps N] [--lr X] [--out DIR]`: supervised
// fine-tuning of a pretrained checkpoint into a chat model, the DeepSeekMoE paper's recipe (§6.1)
// scaled to minutes on 2 CPU cores: the chat template of deepseek-moe-16b-chat (Sft/ChatTemplate),
// loss on the answer tokens and their closing eos only, examples packed into rows that never attend
// across examples (Sft/PackedBatches), AdamW at a constant learning rate, no dropout, no weight decay.
// The base model gains the chat's special tokens (Sft/ChatVocabulary). It runs in Training/Trainer
// like `moe train` — same checkpoints (with tokenizer_config.json), metrics.jsonl, plots, progress,
// Ctrl-C and `--resume DIR` — with the held-out conversations' answer-only loss as the validation
// loss, and ends with the held-out evaluation (Sft/SftEvaluation), also written to sft_eval.json.
using System.CommandLine;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Sft;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Cli;

public static class SftCommand
{
    /// <summary>The defaults: a few minutes on 2 CPU cores for the small preset.</summary>
    public static readonly TrainSettings Defaults = new()
    {
        Steps = 300,
        BatchSize = 8,
        SequenceLength = 128,
        LearningRate = 1e-3,
        WarmupSteps = 0,
        Schedule = "constant",
        WeightDecay = 0,
        EvalEvery = 100,
        EvalBatches = 4,
        SaveEvery = 100,
        Data = InstructionSet.Builtin,
    };

    public const int DefaultEvalExamples = 100;

    private sealed record Options(string? Checkpoint, string? Data, long? Steps, double? Lr, int? Batch, int? Seq, ulong? Seed,
        string? Out, string? Resume, string Device, int EvalExamples, long? EvalEvery, long? SaveEvery);

    public static Command Create()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "The pretrained checkpoint (or run folder) to fine-tune." };
        var data = new Option<string?>("--data") { Description = $"'{InstructionSet.Builtin}' (question/answer pairs from the SDK's documentation, the default) or a JSONL file of {{\"messages\": [...]}} conversations." };
        var steps = new Option<long?>("--steps") { Description = $"Optimizer steps (default {Defaults.Steps})." };
        var lr = new Option<double?>("--lr") { Description = $"Constant learning rate (default {Defaults.LearningRate})." };
        var batch = new Option<int?>("--batch") { Description = $"Packed rows per step, B (default {Defaults.BatchSize})." };
        var seq = new Option<int?>("--seq") { Description = $"Tokens per row, T (default {Defaults.SequenceLength}); longer conversations are left out." };
        var seed = new Option<ulong?>("--seed") { Description = $"Seed of the packing and row order (default {Defaults.Seed})." };
        var output = new Option<string?>("--out") { Description = "Run folder (default runs/sft-<timestamp>, or the resumed run's folder)." };
        var resume = new Option<string?>("--resume") { Description = "Continue a fine-tuning run from its checkpoint or run folder." };
        var device = DeviceSelector.CreateOption();
        var evalEvery = new Option<long?>("--eval-every") { Description = $"Steps between held-out loss passes, 0 = never (default {Defaults.EvalEvery})." };
        var saveEvery = new Option<long?>("--save-every") { Description = $"Steps between checkpoints, 0 = only at the end (default {Defaults.SaveEvery})." };
        var evalExamples = new Option<int>("--eval-examples") { Description = "Held-out conversations the closing evaluation answers.", DefaultValueFactory = _ => DefaultEvalExamples };
        var command = new Command("sft", "Fine-tune a pretrained checkpoint on instructions (chat template, answer-only loss, packed rows).")
        {
            checkpoint, data, steps, lr, batch, seq, seed, output, resume, device, evalExamples, evalEvery, saveEvery,
        };
        command.SetAction(parse => Run(new Options(parse.GetValue(checkpoint), parse.GetValue(data), parse.GetValue(steps), parse.GetValue(lr),
            parse.GetValue(batch), parse.GetValue(seq), parse.GetValue(seed), parse.GetValue(output), parse.GetValue(resume),
            parse.GetValue(device)!, parse.GetValue(evalExamples), parse.GetValue(evalEvery), parse.GetValue(saveEvery))));
        return command;
    }

    private static int Run(Options o)
    {
        if ((o.Checkpoint is null) == (o.Resume is null))
            throw new Tensors.UsageException("sft: give --checkpoint (a pretrained model to fine-tune) or --resume (a fine-tuning run), not both or neither");
        if (o.EvalExamples < 1) throw new Tensors.UsageException($"--eval-examples {o.EvalExamples}: expected >= 1");

        // what to fine-tune: the base checkpoint with room for the chat tokens, or the run being resumed
        string? resumeFolder = o.Resume is null ? null : CheckpointStore.Resolve(o.Resume);
        var saved = resumeFolder is null ? null : TrainerState.Load(Path.Combine(resumeFolder, TrainerState.FileName));
        var settings = Settings(o, saved?.Settings, o.Checkpoint is null ? null : Path.GetFullPath(CheckpointStore.Resolve(o.Checkpoint)));
        string baseFolder = settings.BaseCheckpoint!;
        var baseConfig = MoeConfigJson.Load(Path.Combine(baseFolder, ModelCheckpoint.ConfigFile));
        var (tokenizer, config) = resumeFolder is null
            ? ChatVocabulary.ForChat(TokenizerJson.Load(Path.Combine(baseFolder, "tokenizer.json")), baseConfig)
            : (TokenizerJson.Load(Path.Combine(resumeFolder, "tokenizer.json")), MoeConfigJson.Load(Path.Combine(resumeFolder, ModelCheckpoint.ConfigFile)));
        if (settings.SequenceLength > config.MaxPositionEmbeddings)
            throw new Tensors.UsageException($"--seq {settings.SequenceLength}: longer than the config's max_position_embeddings {config.MaxPositionEmbeddings}");
        string runFolder = o.Out ?? (resumeFolder is not null ? Path.GetDirectoryName(Path.GetFullPath(resumeFolder))! : Path.Combine("runs", "sft-" + DateTime.Now.ToString("yyyyMMdd-HHmmss")));

        // load data: conversations, templated and packed; held-out rows for the validation loss
        var template = new ChatTemplate(tokenizer);
        var set = InstructionSet.Load(settings.Data);
        Console.WriteLine(set.Describe());
        var train = Pack(set.Training, template, settings, WindowOrder.Random);
        var validation = Pack(set.HeldOut, template, settings, WindowOrder.Sequential);
        Console.WriteLine($"packed {train.Packed:N0} training conversations into {train.Rows:N0} rows of {settings.SequenceLength + 1} tokens " +
            $"({train.LearnedTokens:N0} answer tokens carry loss; {train.Dropped:N0} longer than a row left out); held out: {validation.Rows:N0} rows");

        // build the model: the base weights (grown by the chat tokens) or the resumed checkpoint's
        using var backend = DeviceSelector.Open(o.Device);
        var model = (DeepSeekMoeLanguageModel)ModelFactory.Create(config, backend, settings.Seed);
        if (resumeFolder is null) ChatVocabulary.LoadGrown(model.Model, baseFolder, baseConfig);
        using var optimizer = new AdamW(model.Module.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay);
        var checkpoint = new TrainingCheckpoint(runFolder, model, optimizer, config, tokenizer);
        var restored = resumeFolder is null ? null : TrainingCheckpoint.Restore(resumeFolder, model, optimizer);
        using var metrics = new MetricsLog(runFolder, restored?.Step ?? 0);
        Console.WriteLine($"fine-tuning {baseFolder} on {backend.Name}; run folder {runFolder}" +
            (resumeFolder is null ? "" : $"; resuming from {resumeFolder} at step {restored!.Step}"));

        var (result, exitCode) = TrainLoop.Run(reporter => new Trainer(model, optimizer, train, validation, settings, checkpoint, metrics, reporter),
            restored, settings, runFolder, metrics);
        if (result is not { Cancelled: false }) return exitCode;   // diverged (1) or stopped by a signal (128 + its number)
        var report = Evaluate(model, template, set, o.EvalExamples, settings, baseFolder, backend);
        MoeFromScratch.Model.AtomicFile.WriteAllText(Path.Combine(runFolder, "sft_eval.json"), report.ToJson().ToJsonString() + "\n");
        Console.WriteLine($"chat with it: moe chat --checkpoint {runFolder}");
        return 0;
    }

    /// <summary>The held-out evaluation, with the base model's pretraining-format answers beside the fine-tuned ones.</summary>
    public static SftEvalReport Evaluate(ILanguageModel model, ChatTemplate template, InstructionSet set, int examples, TrainSettings settings,
        string baseFolder, Tensors.IBackend backend, TextWriter? log = null)
    {
        log ??= Console.Out;
        var baseConfig = MoeConfigJson.Load(Path.Combine(baseFolder, ModelCheckpoint.ConfigFile));
        using var baseModel = ModelWeights.Load(baseFolder, backend);
        var baseTokenizer = TokenizerJson.Load(Path.Combine(baseFolder, "tokenizer.json"));
        bool heldOutOfPretraining = TryLoadSettings(baseFolder)?.HoldOutSft ?? false;
        log.WriteLine($"held-out namespaces were {(heldOutOfPretraining ? "left out of" : "part of")} the base model's pretraining" +
            (heldOutOfPretraining || set.Name != InstructionSet.Builtin ? "" : " (pretrain with --hold-out-sft to evaluate on unseen documentation)"));
        var report = SftEvaluation.Run(model, template, set, examples, settings.Seed, (new DeepSeekMoeLanguageModel(baseModel), baseTokenizer));
        report.Print(log);
        return report;
    }

    private static TrainSettings? TryLoadSettings(string checkpoint) =>
        File.Exists(Path.Combine(checkpoint, TrainerState.FileName)) ? TrainerState.Load(Path.Combine(checkpoint, TrainerState.FileName)).Settings : null;

    private static PackedBatches Pack(IReadOnlyList<Conversation> conversations, ChatTemplate template, TrainSettings settings, WindowOrder order)
    {
        var examples = conversations.AsParallel().AsOrdered().Select(c => template.Encode(c.Messages)).ToList();
        return new PackedBatches(examples, settings.BatchSize, settings.SequenceLength, template.EosId, settings.Seed, order);
    }

    // Options given on the command line win; then the resumed run's settings; then the defaults.
    private static TrainSettings Settings(Options o, TrainSettings? saved, string? baseCheckpoint)
    {
        var s = saved ?? Defaults;
        return (s with
        {
            Steps = o.Steps ?? s.Steps,
            LearningRate = o.Lr ?? s.LearningRate,
            BatchSize = o.Batch ?? s.BatchSize,
            SequenceLength = o.Seq ?? s.SequenceLength,
            Seed = o.Seed ?? s.Seed,
            Data = o.Data ?? s.Data,
            EvalEvery = o.EvalEvery ?? s.EvalEvery,
            SaveEvery = o.SaveEvery ?? s.SaveEvery,
            BaseCheckpoint = baseCheckpoint ?? s.BaseCheckpoint
                ?? throw new MoeFromScratch.Model.CheckpointException($"{o.Resume}: not a fine-tuning run (its trainer state names no base checkpoint)"),
        }).Validate();
    }
}
