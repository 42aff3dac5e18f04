// A long run stays flat: 1,000 training steps on the Vulkan device (lavapipe in CI) through
// `moe train`, with a validation pass every 100 steps and a checkpoint every 250, so leaks in
// evaluation or saving show too. metrics.jsonl records after every step what stays allocated
// (StepMemory). Flat means, after WarmupSteps: the pool's bytes held by live tensors identical at
// every step, the pool's reserved blocks identical (no creeping fragmentation), and the process's
// resident set no more than RssSlack above its level right after warm-up; every loss finite.
// The config is VulkanRun's (C 16, one MoE layer): 1,000 steps of the tiny preset take ~1 s of CPU
// each on lavapipe, far beyond a CI budget. It is a long test (Duration=long): skip it locally with
// --filter "Duration!=long"; CI (`.ci/run`, the full suite) runs it.
using System.Text.Json;
using MoeFromScratch.PropertyTests.Vulkan;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class LongRunTests
{
    private const int Steps = 1000, WarmupSteps = 10;
    private const long RssSlack = 16L << 20;   // 16 KiB a step over 1,000 steps: a per-step leak of a staging buffer shows

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
        Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.True(s.Loss.ValueKind == JsonValueKind.Number && double.IsFinite(s.Loss.GetDouble()), $"step {s.Step}: loss {s.Loss}"));

        var warm = steps[WarmupSteps];
        foreach (var s in steps.Skip(WarmupSteps))
        {
            Assert.True(s.InUse == warm.InUse, $"step {s.Step}: {s.InUse} device bytes in use, {warm.InUse} at step {warm.Step}");
            Assert.True(s.Reserved == warm.Reserved, $"step {s.Step}: {s.Reserved} device bytes reserved, {warm.Reserved} at step {warm.Step}");
            Assert.True(s.Rss - warm.Rss < RssSlack, $"step {s.Step}: resident set {s.Rss} bytes, {warm.Rss} at step {warm.Step}");
        }
    }
}
