// DeviceSelector: turns `--device auto|cpu|vulkan|vulkan:N` into a backend.
// auto prefers a Vulkan GPU and falls back to the CPU; `vulkan` insists on a GPU; `vulkan:N`
// names one device by index, the only way to choose a CPU-type Vulkan device such as lavapipe.
// auto first asks GpuProbe, so a machine without a GPU never loads Vulkan drivers into the run.
// Every command's --device is CreateOption's: the same help and the same default (auto) everywhere.
// Vulkan backends opened here keep their compiled pipelines between runs (PipelineCacheFiles.cs).
using System.CommandLine;
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Devices;

public static class DeviceSelector
{
    /// <summary>The --device option of every command (default auto); purpose, when given, says what runs there.</summary>
    public static Option<string> CreateOption(string? purpose = null) =>
        new("--device") { Description = purpose is null ? Help : $"{purpose}: {Help}", DefaultValueFactory = _ => "auto" };

    private const string Help = "auto (a Vulkan GPU if present, else the CPU), cpu, vulkan (best GPU) or vulkan:N (device N of `moe devices`)";

    /// <summary>The backend for a --device value; the caller disposes it (the CPU one is shared and ignores it).</summary>
    public static IBackend Open(string device) => OpenExplained(device).Backend;

    /// <summary>Open, plus why this backend ("auto: no Vulkan GPU found"), for the run's first line.</summary>
    public static (IBackend Backend, string Why) OpenExplained(string device)
    {
        switch (device.Trim().ToLowerInvariant())
        {
            case "cpu":
                return (Device.Cpu, "--device cpu");
            case "auto":
                if (!GpuProbe.HasVulkanGpu()) return (Device.Cpu, "auto: no Vulkan GPU found");   // without loading a Vulkan driver here
                try
                {
                    return (new VulkanBackend(Options(null, allowCpuDevice: false)), "auto: a Vulkan GPU was found");
                }
                catch (GpuUnavailableException e)
                {
                    return (Device.Cpu, $"auto: the Vulkan GPU could not be opened ({e.Message.TrimEnd('.')})");
                }
            case "vulkan":
                return (new VulkanBackend(Options(null, allowCpuDevice: false)), "--device vulkan: the best GPU");
            case var name when name.StartsWith("vulkan:", StringComparison.Ordinal):
                return (new VulkanBackend(Options(VulkanIndex(device), allowCpuDevice: true)), $"--device {name}");
            default:
                throw new UsageException($"--device: unknown device '{device}'; expected {Help}");
        }
    }

    /// <summary>The program's Vulkan options: the device asked for, pipelines kept between runs (PipelineCacheFiles).</summary>
    private static VulkanOptions Options(int? index, bool allowCpuDevice) =>
        new() { DeviceIndex = index, AllowCpuDevice = allowCpuDevice, PipelineCache = PipelineCacheFiles.FromEnvironment() };

    /// <summary>N of "vulkan:N", null for plain "vulkan"; the one parser of Vulkan device names.</summary>
    public static int? VulkanIndex(string device)
    {
        var name = device.Trim().ToLowerInvariant();
        if (name == "vulkan") return null;
        if (name.StartsWith("vulkan:", StringComparison.Ordinal) && int.TryParse(name["vulkan:".Length..], out int index) && index >= 0)
            return index;
        throw new UsageException($"--device: '{device}' has no valid device number; expected {Help}");
    }
}
