// The same seed on the same device gives the same run. CPU: `moe train` again with the reference
// run's arguments writes the same losses, bit for bit, and a byte-identical final checkpoint
// (weights, AdamW moments, config, tokenizer, trainer state). Vulkan (lavapipe in CI): two runs of
// VulkanRun's small config, same seed, give the same losses, bit for bit.
using MoeFromScratch.PropertyTests.Vulkan;
using MoeFromScratch.Train.Checkpointing;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class DeterminismTests
{
    [Fact]
    public void Cpu_runs_with_the_same_seed_write_the_same_losses_and_checkpoint_bytes()
    {
        var reference = TinyRun.Straight;
        string folder = reference.Run.RunFolder($"again-{Guid.NewGuid():N}");   // same --data path: trainer_state.json names it
        try
        {
            var exit = MoeProcess.Run(reference.Run.Train(folder, "--save-every 0"));
            Assert.True(exit.Code == 0, exit.ToString());

            Assert.Equal(TinyRun.Steps, reference.Losses.Count);
            Assert.True(reference.Losses.Distinct().Count() > 1, "the loss never changed: nothing was trained");
            Assert.Equal(reference.Losses, TinyRun.Losses(folder));
            string last = CheckpointStore.FolderName(TinyRun.Steps);
            var expected = TinyRun.Snapshot(Path.Combine(reference.RunFolder, last));
            var actual = TinyRun.Snapshot(Path.Combine(folder, last));
            Assert.Equal(expected.Keys, actual.Keys);
            foreach (var (file, bytes) in expected)
                Assert.True(bytes.AsSpan().SequenceEqual(actual[file]), $"{last}/{file} differs between two runs with the same seed");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [VulkanFact]
    public void Vulkan_runs_with_the_same_seed_write_the_same_losses()
    {
        using var run = new VulkanRun();
        var first = run.Train("first", steps: 20);
        var second = run.Train("second", steps: 20);
        Assert.True(first.Distinct().Count() > 1, "the loss never changed: nothing was trained");
        Assert.Equal(first, second);
    }
}
