// ThreadedTraining: `moe train`'s pieces (the DeepSeekMoE model, AdamW, TokenBatches, the Trainer with
// DataParallel, TrainingCheckpoint) run on P ranks that are threads of this process (ThreadedWorld),
// so whole-model expert-parallel training can be compared with one process in float64 and float32
// without mpiexec. P = 1 is the ordinary one-process model (no ExpertShards); P > 1 is
// `--parallel expert`: rank r holds routed experts [r·E/P, (r+1)·E/P).
// Every rank's world is counted (CountingCommunicator, as World.Open does), so a test can read what
// each step's collectives moved. Every rank returns what the comparisons need: its losses, gradient
// norms and communication counters per step, and after the
// last step its weights and (clipped) gradients by parameter name — a sharded parameter's are the
// rank's own (E/P, …) block, which Whole concatenates in rank order into the one-process (E, …) stack.
// The ReferenceBackend runs every kernel as plain loops on the calling thread: its reduction orders
// are fixed, so two runs of the same P give the same bits, and the ranks never share a worker pool.
// Not here: real processes, the launcher, the CLI (DataParallelTests runs `mpiexec moe train`).
using MoeFromScratch.Distributed;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Config;
using MoeFromScratch.PropertyTests.Training;
using MoeFromScratch.Tensors;
using MoeFromScratch.Tensors.Reference;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Distributed;

/// <summary>One rank's run: per-step losses and gradient norms (the world's), and its parameters and gradients after the last step.</summary>
internal sealed record RankRun(IReadOnlyList<double> Losses, IReadOnlyList<double> GradNorms, IReadOnlyList<CommunicationCounters> Counters,
    Dictionary<string, double[]> Weights, Dictionary<string, double[]> Grads, IReadOnlySet<string> Sharded);

internal sealed class ThreadedTraining(string tokensPath, MoeConfig config, TrainSettings settings)
{
    private static readonly IBackend Backend = new ReferenceBackend();

    /// <summary>The tests' model: tiny's 2 layers (dense, then MoE with 1 shared + 4 routed experts, 2 active), C 16: every part of the
    /// model runs, and E = 4 splits over 1, 2 and 4 ranks. A wide init so routing is not uniform.</summary>
    public static readonly MoeConfig TestConfig = MoePresets.Tiny with
    {
        VocabSize = TrainingFixture.Vocab,
        HiddenSize = 16,
        IntermediateSize = 32,
        MaxPositionEmbeddings = 16,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 2,
        MoeIntermediateSize = 8,
        NRoutedExperts = 4,
        InitializerRange = 0.2,
    };

    /// <summary>The tests' run: the training tests' B 4 × T 8 with lr 1e-2 and no warm-up; no evaluation or saves unless asked.</summary>
    public static readonly TrainSettings TestSettings = TrainingFixture.DefaultSettings with { LearningRate = 1e-2, WarmupSteps = 0 };

    /// <summary>Trains on P threads up to `steps` (from `resume` when given); rank 0 saves into `runFolder` when given.</summary>
    public RankRun[] Train(int ranks, DType dtype, long steps, string? resume = null, string? runFolder = null, long saveEvery = 0) =>
        ThreadedWorld.Run(ranks, threads =>
        {
            var world = new CountingCommunicator(threads);
            using var rank = new Rank(world, config, settings, dtype);
            using var tokens = TokenFile.Open(tokensPath);
            var batches = new TokenBatches(tokens, settings.BatchSize, settings.SequenceLength, settings.Seed, WindowOrder.Random);
            var log = new StepLog(world);
            var trainer = new Trainer(rank.Model, rank.Optimizer, batches, null, settings with { Steps = steps, SaveEvery = saveEvery },
                rank.Checkpoint(runFolder), reporter: log, parallel: rank.Parallel);
            if (resume is not null) trainer.Resume(TrainingCheckpoint.Restore(resume, rank.Model, rank.Optimizer));
            trainer.Run();
            return new RankRun(log.Losses, log.GradNorms, log.Counters, rank.Named(p => p.Data), rank.Named(p => p.Grad!), rank.ShardedNames);
        });

    /// <summary>Loads `checkpoint` on P threads and saves it again, untouched, into `runFolder` (rank 0 writes); the folder written.</summary>
    public string Resave(int ranks, string checkpoint, string runFolder) =>
        ThreadedWorld.Run(ranks, world =>
        {
            using var rank = new Rank(world, config, settings, DType.Float32);
            var state = TrainingCheckpoint.Restore(checkpoint, rank.Model, rank.Optimizer);
            using var experts = rank.Parallel.ShardsExperts ? new GatheredExperts(world, rank.Optimizer, rank.Parallel.Sharded) : null;   // every rank sends
            return rank.Checkpoint(runFolder)?.Save(state, experts: experts);
        })[0]!;

    /// <summary>A sharded parameter's rank blocks in rank order (the whole (E, …) stack); a replicated one's value on rank 0, after checking every rank holds the same bits.</summary>
    public static double[] Whole(RankRun[] ranks, Func<RankRun, Dictionary<string, double[]>> values, string name)
    {
        if (ranks[0].Sharded.Contains(name)) return ranks.SelectMany(r => values(r)[name]).ToArray();
        foreach (var r in ranks.Skip(1))
            Assert.True(values(r)[name].SequenceEqual(values(ranks[0])[name]), $"{name}: a replica differs from rank 0's");
        return values(ranks[0])[name];
    }

    // One rank's model, optimizer and DataParallel, built as TrainCommand builds them.
    private sealed class Rank : IDisposable
    {
        private readonly ICommunicator _world;
        private readonly MoeConfig _config;
        private readonly DeepSeekMoe _moe;

        public Rank(ICommunicator world, MoeConfig config, TrainSettings settings, DType dtype)
        {
            (_world, _config) = (world, config);
            _moe = new DeepSeekMoe(config, settings.Seed, Backend, dtype, world.Size > 1 ? world : null);
            Model = new DeepSeekMoeLanguageModel(_moe);
            Optimizer = new AdamW(Model.Module.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay);
            Parallel = new DataParallel(world, _moe.ShardedParameters());
            var sharded = _moe.ShardedParameters().ToHashSet(ReferenceEqualityComparer.Instance);
            ShardedNames = Model.Module.NamedParameters().Where(p => sharded.Contains(p.Parameter)).Select(p => p.Name).ToHashSet();
        }

        public ILanguageModel Model { get; }
        public AdamW Optimizer { get; }
        public DataParallel Parallel { get; }
        public IReadOnlySet<string> ShardedNames { get; }

        // rank 0 writes, as in `moe train`
        public TrainingCheckpoint? Checkpoint(string? runFolder) =>
            runFolder is not null && _world.Rank == 0 ? new TrainingCheckpoint(runFolder, Model, Optimizer, _config, tokenizer: null) : null;

        public Dictionary<string, double[]> Named(Func<MoeFromScratch.Autograd.Parameter, Tensor> value) =>
            Model.Module.NamedParameters().ToDictionary(p => p.Name, p => value(p.Parameter).ToDoubleArray());

        public void Dispose()
        {
            Optimizer.Dispose();
            _moe.Dispose();
        }
    }

    private sealed class StepLog(CountingCommunicator world) : ITrainingReporter
    {
        public List<double> Losses { get; } = [];
        public List<double> GradNorms { get; } = [];
        public List<CommunicationCounters> Counters { get; } = [];   // since the world opened, after each step

        public void StepDone(StepReport report)
        {
            Losses.Add(report.Loss);
            GradNorms.Add(report.GradNorm);
            Counters.Add(world.Counters);
        }
    }
}
