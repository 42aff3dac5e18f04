// `--device auto` asks a child `moe devices --json` whether there is a Vulkan GPU (GpuProbe), so that
// a training run on a machine without one never loads a Vulkan driver: Mesa's link LLVM, which is
// never unloaded (~55 MB resident for the whole run). The run's own /proc/<pid>/maps is read while it
// trains: no Vulkan driver and no LLVM may be mapped. Where this machine does have a GPU the run
// must be on it instead. Also `moe bench gemm`, whose JSON lines the PyTorch peer's mirror.
using System.Text.Json;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Devices;

namespace MoeFromScratch.PropertyTests.Train.Devices;

public sealed class AutoDeviceTests : TinyRunTests
{
    [Fact]
    public void Auto_without_a_gpu_trains_on_the_cpu_and_never_maps_a_vulkan_driver()
    {
        bool gpu = GpuProbe.HasVulkanGpu();   // in this (test) process: the in-process answer
        using var moe = MoeProcess.Start($"train --config tiny --data {Run.Corpus} --cache {Run.Cache} --out {Run.RunFolder()} " +
            "--device auto --steps 2000 --batch 2 --seq 16 --eval-every 0 --save-every 0");
        string model = moe.WaitForLine(l => l.StartsWith("model ", StringComparison.Ordinal));
        moe.WaitForLine(l => l.StartsWith("training steps", StringComparison.Ordinal));
        string maps = File.ReadAllText($"/proc/{moe.Pid}/maps");
        moe.Signal(MoeProcess.SigKill);
        moe.WaitForExit();

        if (gpu)
        {
            Assert.Contains(" on vulkan:", model);
            return;
        }
        Assert.Contains(" on cpu (auto: no Vulkan GPU found);", model);   // which device, and why
        foreach (var library in new[] { "libvulkan_", "libLLVM" })
            Assert.False(maps.Contains(library, StringComparison.Ordinal), $"the training process mapped {library}*: {model}");
    }

    [Fact]
    public void Bench_gemm_prints_one_json_line_per_size()
    {
        var exit = MoeProcess.Run("bench gemm --device cpu --sizes 32,48 --reps 3 --json", timeout: TimeSpan.FromSeconds(120));
        Assert.True(exit.Code == 0, exit.ToString());
        var rows = exit.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([32, 48], rows.Select(r => r.GetProperty("n").GetInt32()));
        Assert.All(rows, r =>
        {
            Assert.Equal("cpu", r.GetProperty("device").GetString());
            Assert.Equal(3, r.GetProperty("reps").GetInt32());
            Assert.True(r.GetProperty("gflops").GetDouble() > 0 && r.GetProperty("best_gflops").GetDouble() >= r.GetProperty("gflops").GetDouble());
        });
    }
}
