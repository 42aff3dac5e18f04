// Shared set-up for the training tests: the CPU backend (deterministic: fixed work splits), a
// tiny repetitive token corpus in a temporary folder, and the pieces of a run built the way
// `moe train` builds them. Each test gets its own folder, deleted afterwards.
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class TrainingFixture : IDisposable
{
    public const int Vocab = 16;
    public const int Channels = 8;

    // Every training test takes its backend from here: the CPU, or the device named by
    // MOE_TRAINING_TEST_DEVICE (a --device value such as vulkan:0), so the same bodies run on a GPU.
    public static readonly IBackend Backend =
        Environment.GetEnvironmentVariable("MOE_TRAINING_TEST_DEVICE") is { Length: > 0 } device ? DeviceSelector.Open(device) : Device.Cpu;

    public string Folder { get; } = Directory.CreateTempSubdirectory("moe-training-test-").FullName;

    /// <summary>The training tests' run: 6 steps of B 4 × T 8, lr 3e-2 after 2 warm-up steps, no evaluation or saves
    /// (a table of values, shaped like every settings initialiser).</summary>
    public static readonly TrainSettings DefaultSettings = new()
    {
        Steps = 6,
        BatchSize = 4,
        SequenceLength = 8,
        LearningRate = 3e-2,
        WarmupSteps = 2,
        EvalEvery = 0,
        SaveEvery = 0,
        Seed = 7,
    };

    public TrainSettings Settings { get; init; } = DefaultSettings;

    public TrainingFixture()
    {
        // A period-5 pattern "0 1 2 3 4 0 1 2 ..." with a few other ids sprinkled in: a bigram
        // model can learn it almost perfectly, so its loss must fall quickly.
        var ids = Enumerable.Range(0, 3000).Select(i => i % 97 == 0 ? 5 + i % 11 : i % 5).ToArray();
        TokenFile.Write(TrainPath, Vocab, [ids]);
        TokenFile.Write(ValidationPath, Vocab, [ids[..500]]);
    }

    public string TrainPath => Path.Combine(Folder, "train.tokens");
    public string ValidationPath => Path.Combine(Folder, "val.tokens");
    public string RunFolder => Path.Combine(Folder, "run");

    /// <summary>Model, optimizer, data and trainer of one run (a fresh process, as far as state goes).</summary>
    public sealed record Run(BigramLm Model, AdamW Optimizer, Trainer Trainer, TrainingCheckpoint Checkpoint, TokenFile Tokens) : IDisposable
    {
        public void Dispose()
        {
            Optimizer.Dispose();
            Tokens.Dispose();
        }
    }

    public Run Start(TrainSettings? settings = null, ITrainingReporter? reporter = null, MetricsLog? metrics = null)
    {
        settings ??= Settings;
        var model = new BigramLm(Vocab, Channels, settings.Seed, Backend);
        var optimizer = new AdamW(model.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay);
        var tokens = TokenFile.Open(TrainPath);
        var batches = new TokenBatches(tokens, settings.BatchSize, settings.SequenceLength, settings.Seed, WindowOrder.Random);
        var checkpoint = new TrainingCheckpoint(RunFolder, model, optimizer, config: null, tokenizer: null);
        var trainer = new Trainer(model, optimizer, batches, null, settings, checkpoint, metrics, reporter);
        return new Run(model, optimizer, trainer, checkpoint, tokens);
    }

    public static double[] Weights(BigramLm model) =>
        model.Parameters().SelectMany(p => p.Data.ToDoubleArray()).ToArray();

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
