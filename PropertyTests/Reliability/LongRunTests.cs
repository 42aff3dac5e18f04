// A long run stays flat: 1,000 training steps on the Vulkan device (lavapipe in CI) through
// `moe train`, with a validation pass every 100 steps and a checkpoint every 250, so leaks in
// evaluation or saving show too. metrics.jsonl records after every step what stays allocated
// (StepMemory). Flat means, after WarmupSteps: the pool's bytes held by live tensors identical at
// every step, and its reserved blocks identical (no creeping fragmentation); and the process's
// resident set after step SettledStep at most RssSlack above its peak over steps WarmupSteps..
// SettledStep-1, which hold the first validation passes and the first save, so every code path has
// been jitted and every pipeline built by then. Every loss finite.
// The config is VulkanRun's (C 16, one MoE layer): 1,000 steps of the tiny preset take ~1 s of CPU
// each on lavapipe, far beyond a CI budget. It is a long test (Duration=long): skip it locally with
// --filter "Duration!=long"; CI (`.ci/run`, the full suite) runs it.
using System.Text.Json;
using MoeFromScratch.PropertyTests.Vulkan;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class LongRunTests(ITestOutputHelper output)
{
    private const int Steps = 1000, WarmupSteps = 10, SettledStep = 300;
    private const long RssSlack = 8L << 20;   // 12 KiB a step over the last 700 steps: a leaked staging buffer per step shows

    [VulkanFact, Trait("Duration", "long")]
    public void A_thousand_vulkan_steps_keep_device_memory_and_rss_flat_and_losses_finite()
    {
        using var run = new VulkanRun();
        run.Train("long", Steps, more: "--eval-every 100 --save-every 250");

        var steps = File.ReadLines(Path.Combine(run.RunFolder("long"), MetricsLog.FileName))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "train")
            .Select(e => (
                Step: e.GetProperty("step").GetInt64(),
                Loss: e.GetProperty("loss"),
                InUse: e.GetProperty("device_bytes").GetInt64(),
                Reserved: e.GetProperty("device_reserved_bytes").GetInt64(),
                Rss: e.GetProperty("rss_bytes").GetInt64()))
            .ToList();
        Assert.Equal(Enumerable.Range(1, Steps).Select(i => (long)i), steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.True(s.Loss.ValueKind == JsonValueKind.Number && double.IsFinite(s.Loss.GetDouble()), $"step {s.Step}: loss {s.Loss}"));

        var warm = steps[WarmupSteps];
        foreach (var s in steps.Skip(WarmupSteps))
        {
            Assert.True(s.InUse == warm.InUse, $"step {s.Step}: {s.InUse} device bytes in use, {warm.InUse} at step {warm.Step}");
            Assert.True(s.Reserved == warm.Reserved, $"step {s.Step}: {s.Reserved} device bytes reserved, {warm.Reserved} at step {warm.Step}");
        }
        long settled = steps.Take(SettledStep).Skip(WarmupSteps).Max(s => s.Rss);
        var peak = steps.Skip(SettledStep).MaxBy(s => s.Rss);
        output.WriteLine($"device bytes in use {warm.InUse}, reserved {warm.Reserved}; resident set {steps[0].Rss >> 20} MiB at step 0, " +
            $"peak {settled / 1048576.0:F1} MiB over steps {WarmupSteps}..{SettledStep - 1}, {peak.Rss / 1048576.0:F1} MiB at step {peak.Step} (the peak after)");
        Assert.True(peak.Rss - settled <= RssSlack,
            $"step {peak.Step}: resident set {peak.Rss} bytes, {peak.Rss - settled} above the peak of steps {WarmupSteps}..{SettledStep - 1}");
    }
}
