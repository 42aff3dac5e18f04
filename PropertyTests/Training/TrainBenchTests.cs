// TrainBench on the BigramLm stand-in: the timed steps are the requested ones after the warm-up,
// the medians are sane (the phases of the median step add up to about a step), the JSON carries the
// promised keys, and the memory estimate's arithmetic (16 bytes a parameter) holds. On the CPU the
// allocator's counts come with it: what stays between steps is exactly the weights, their gradients
// and AdamW's moments, and once warmed up a step takes every block from the cache.
using MoeFromScratch.Tensors.Cpu;
using MoeFromScratch.Tensors.Cpu.Memory;
using MoeFromScratch.Train.Bench;
using MoeFromScratch.Train.Cli;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class TrainBenchTests
{
    [Fact]
    public void Times_the_requested_steps_and_reports_tokens_per_second()
    {
        var model = new BigramLm(TrainingFixture.Vocab, TrainingFixture.Channels, seed: 3, TrainingFixture.Backend);
        var result = TrainBench.Run(model, new TrainBenchSettings(Batch: 4, Seq: 8, Steps: 5));

        Assert.Equal(5, result.StepMs.Count);
        Assert.All(result.StepMs, ms => Assert.True(ms > 0));
        Assert.Equal(result.StepMs.Order().ElementAt(2), result.MedianStepMs, 9);
        Assert.Equal(4 * 8 / (result.MedianStepMs / 1000), result.TokensPerSecond, 6);
        Assert.True(result.MedianPhases.Forward.TotalMilliseconds > 0);

        long parameters = model.Parameters().Sum(p => p.Numel);
        var estimate = MemoryEstimate.For(parameters, activationBytes: 1000);
        Assert.Equal(16 * parameters + 1000, estimate.Total);
        var json = BenchCommand.Json("bigram", "cpu", parameters, result, estimate, PeakMemory.PeakRssBytes());
        foreach (var key in new[] { "tokens_per_s", "config", "device", "batch", "seq", "median_step_ms", "phase_ms", "peak_rss_bytes", "estimate_bytes" })
            Assert.True(json.ContainsKey(key), key);
        if (OperatingSystem.IsLinux()) Assert.True(PeakMemory.PeakRssBytes() > 1 << 20);
    }

    [Fact]
    public void On_the_cpu_it_counts_tensor_memory_and_a_warm_step_asks_the_os_for_nothing()
    {
        var allocator = new CpuAllocator();
        var model = new BigramLm(TrainingFixture.Vocab, TrainingFixture.Channels, seed: 3, new CpuBackend(allocator));
        long parameterBytes = 4 * model.Parameters().Sum(p => p.Numel);
        var memory = TrainBench.Run(model, new TrainBenchSettings(Batch: 4, Seq: 8, Steps: 3)).Memory!;

        Assert.Equal(0, memory.TimedOsAllocations);
        Assert.True(memory.TimedAllocations > 0);
        // weights, grads, AdamW m and v, and the optimizer's gate (OptimizerGate.Length floats); nothing else stays
        Assert.Equal(4 * parameterBytes + 4 * MoeFromScratch.Tensors.OptimizerGate.Length, memory.PersistentBytes);
        Assert.True(memory.TapeBytes > 4 * 8 * TrainingFixture.Vocab * 4, $"tape {memory.TapeBytes} bytes holds less than the logits");
        Assert.True(memory.PeakLiveBytes >= memory.PersistentBytes + memory.TapeBytes && memory.PeakReservedBytes >= memory.PeakLiveBytes, memory.ToString());
        // Afterwards only the model remains: the bench disposed its optimizer, the tape probe freed what it made.
        Assert.Equal((0L, 2 * parameterBytes), (memory.Allocator.Leaked, allocator.Stats.RequestedBytes));
    }

    [Fact]
    public void Bad_settings_are_one_line_errors()
    {
        Assert.StartsWith("--steps 0", Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => new TrainBenchSettings(1, 1, 0).Validate()).Message);
        var model = new BigramLm(TrainingFixture.Vocab, TrainingFixture.Channels, seed: 3, TrainingFixture.Backend);
        Assert.StartsWith("--seq 65", Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => TrainBench.Run(model, new TrainBenchSettings(1, 65, 1))).Message);
    }
}
