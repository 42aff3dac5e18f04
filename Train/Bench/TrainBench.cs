// TrainBench: tokens/s of whole training steps — the real Trainer loop (data → forward → zero grad →
// backward → clip → AdamW step), so nothing is timed that training does not do, and nothing training
// does is left out. Random tokens (uniform over the vocabulary) from a temporary token file; the first
// `Warmup` steps (JIT, first allocations, GEMM packing buffers) are dropped; the result is the median
// of the next `Steps`, per phase too (each phase ends with a device Synchronize in the Trainer).
// On Vulkan the backend's counters (Gpu/Runtime/VulkanCounters.cs) are read as the warm-up ends and
// after the last step, and reported per step with the pool's peak bytes (DeviceStepCounters).
// Under MPI (`parallel` given) every rank runs this with the global batch B (each trains its B/P
// rows, as in `moe train`), and the world's counters (Distributed/CountingCommunicator) are read the
// same way: Communication is what this rank's collectives moved and took over the timed steps.
// Not a convergence test: the learning rate schedule runs but nobody looks at the loss.
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors.Cpu.Memory;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Bench;

/// <param name="Batch">B sequences per step.</param>
/// <param name="Seq">T tokens per sequence.</param>
/// <param name="Steps">Timed steps (the median is taken over them).</param>
/// <param name="Warmup">Untimed steps first.</param>
/// <param name="LogEvery">Steps between reads of the losses, as `moe train --log-every` (the counters show the read-backs it saves).</param>
public sealed record TrainBenchSettings(int Batch, int Seq, int Steps, int Warmup = 2, ulong Seed = 1337, int LogEvery = 1)
{
    public TrainBenchSettings Validate()
    {
        if (Batch < 1) throw new Tensors.UsageException($"--batch {Batch}: expected >= 1");
        if (Seq < 1) throw new Tensors.UsageException($"--seq {Seq}: expected >= 1");
        if (Steps < 1) throw new Tensors.UsageException($"--steps {Steps}: expected >= 1");
        if (Warmup < 0) throw new ArgumentException($"warm-up steps {Warmup}: expected >= 0");
        return this;
    }
}

/// <summary>Medians over the timed steps, in milliseconds; Phases: data, forward, backward, optimizer (clip + AdamW).
/// GcPauseMs: the runtime's total GC pause during the timed steps; Gen2Collections: full collections then
/// (tensors do not live on the GC heap; collections come from the rest of the program).
/// Memory: the CPU allocator's counts over the timed steps and of one forward's tape (null off the CPU).
/// Device: the Vulkan counters per timed step (null off Vulkan). Ranks: P; Communication: this rank's collectives
/// over the timed steps (null in one process).</summary>
public sealed record TrainBenchResult(TrainBenchSettings Settings, double MedianStepMs, PhaseTimes MedianPhases, IReadOnlyList<double> StepMs,
    double GcPauseMs, int Gen2Collections, TensorMemory? Memory, DeviceStepCounters? Device, int Ranks = 1, Distributed.CommunicationCounters? Communication = null)
{
    /// <summary>The world's tokens/s: the global batch B·T per (this rank's) median step.</summary>
    public double TokensPerSecond => Settings.Batch * Settings.Seq / (MedianStepMs / 1000);

    /// <summary>This rank's tokens/s: its B/P·T tokens per median step.</summary>
    public double RankTokensPerSecond => TokensPerSecond / Ranks;
}

public static class TrainBench
{
    public static TrainBenchResult Run(ILanguageModel model, TrainBenchSettings s, TrainSettings? training = null, DataParallel? parallel = null)
    {
        s.Validate();
        if (s.Seq > model.MaxSequenceLength)
            throw new Tensors.UsageException($"--seq {s.Seq}: longer than the model's longest sequence {model.MaxSequenceLength}");
        var settings = (training ?? new TrainSettings()) with
        {
            Steps = s.Warmup + s.Steps,
            BatchSize = s.Batch,
            SequenceLength = s.Seq,
            WarmupSteps = 0,
            EvalEvery = 0,
            SaveEvery = 0,
            Seed = s.Seed,
            LogEvery = s.LogEvery,
            PhaseTimes = true,   // the phases are reported: on Vulkan by timestamp queries, one wait a step
        };
        string folder = Directory.CreateTempSubdirectory("moe-bench-").FullName;
        try
        {
            string path = Path.Combine(folder, "random.tokens");
            TokenFile.Write(path, model.VocabSize, [RandomTokens(model.VocabSize, Math.Max(1 << 16, 4 * s.Batch * (s.Seq + 1)), s.Seed)]);
            using var tokens = TokenFile.Open(path);
            using var optimizer = new AdamW(model.Module.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay);
            var backend = model.Module.Parameters().First().Backend;
            var allocator = TensorMemory.AllocatorOf(backend);
            var vulkan = backend as VulkanBackend;
            var counting = parallel?.World as Distributed.CountingCommunicator;
            AllocatorStats warmedUp = default;
            VulkanCounters deviceWarmedUp = default;
            Distributed.CommunicationCounters communicationWarmedUp = default, communicationEnd = default;
            IReadOnlyDictionary<string, long> kernelsWarmedUp = new Dictionary<string, long>();
            var steps = new StepCollector(s.Warmup, () =>
            {
                allocator?.ResetPeaks();
                warmedUp = allocator?.Stats ?? default;
                vulkan?.ResetPeak();
                deviceWarmedUp = vulkan?.Counters ?? default;
                communicationWarmedUp = counting?.Counters ?? default;
                kernelsWarmedUp = vulkan?.DispatchesByKernel ?? kernelsWarmedUp;
            }, () => communicationEnd = counting?.Counters ?? default);   // after each step: the end-of-run save's gathers are not a step's
            new Trainer(model, optimizer, new TokenBatches(tokens, s.Batch, s.Seq, s.Seed, WindowOrder.Random), null, settings.Validate(), reporter: steps,
                parallel: parallel).Run();
            var device = vulkan is null ? null : new DeviceStepCounters(vulkan.Counters - deviceWarmedUp, s.Steps, vulkan.PeakBytesInUse,
                DeviceStepCounters.Difference(vulkan.DispatchesByKernel, kernelsWarmedUp));
            int ranks = parallel?.Ranks ?? 1, localBatch = s.Batch / ranks;
            var timed = steps.Times.Skip(s.Warmup).ToList();
            // the counters as the last warm-up step ended (or before the run, without warm-up) and at the end
            var (gcStart, gen2Start) = s.Warmup > 0 ? steps.Gc[s.Warmup - 1] : steps.GcBefore;
            var (gcEnd, gen2End) = steps.Gc[^1];
            var memory = allocator is null ? null
                : TensorMemory.Probe(allocator, warmedUp, model, RandomTokens(model.VocabSize, localBatch * (s.Seq + 1), s.Seed + 1), localBatch, s.Seq, backend);
            return new TrainBenchResult(s, Median(timed.Select(t => t.Total)),
                new PhaseTimes(Span(timed, t => t.Data), Span(timed, t => t.Forward), Span(timed, t => t.Backward), Span(timed, t => t.Optimizer)),
                timed.Select(t => t.Total.TotalMilliseconds).ToList(), (gcEnd - gcStart).TotalMilliseconds, gen2End - gen2Start, memory, device,
                ranks, counting is null || ranks == 1 ? null : communicationEnd - communicationWarmedUp);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int[] RandomTokens(int vocab, int count, ulong seed)
    {
        var random = new Random(unchecked((int)seed));
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
    }

    private static TimeSpan Span(List<PhaseTimes> times, Func<PhaseTimes, TimeSpan> phase) =>
        TimeSpan.FromMilliseconds(Median(times.Select(phase)));

    private static double Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Select(v => v.TotalMilliseconds).Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Collects each step's times and GC counters; calls warmedUp once the warm-up steps are done, stepped after every step.</summary>
    private sealed class StepCollector : ITrainingReporter
    {
        private readonly int _warmup;
        private readonly Action _warmedUp, _stepped;

        public StepCollector(int warmup, Action warmedUp, Action stepped)
        {
            (_warmup, _warmedUp, _stepped) = (warmup, warmedUp, stepped);
            if (warmup == 0) warmedUp();
        }

        public List<PhaseTimes> Times { get; } = [];
        public List<(TimeSpan Pause, int Gen2)> Gc { get; } = [];
        public (TimeSpan Pause, int Gen2) GcBefore { get; } = Now();

        public void StepDone(StepReport report)
        {
            Times.Add(report.Times);
            Gc.Add(Now());
            _stepped();
            if (Times.Count == _warmup) _warmedUp();
        }

        private static (TimeSpan, int) Now() => (GC.GetTotalPauseDuration(), GC.CollectionCount(2));
    }
}
