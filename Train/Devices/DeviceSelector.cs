// DeviceSelector: turns `--device auto|cpu|vulkan|vulkan:N` into a backend.
// auto prefers a Vulkan GPU and falls back to the CPU; `vulkan` insists on a GPU; `vulkan:N`
// names one device by index, the only way to choose a CPU-type Vulkan device such as lavapipe.
// auto first asks GpuProbe, so a machine without a GPU never loads Vulkan drivers into the run.
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Devices;

public static class DeviceSelector
{
    public const string Help = "auto (a Vulkan GPU if present, else the CPU), cpu, vulkan (best GPU) or vulkan:N (device N of `moe devices`)";

    /// <summary>The backend for a --device value; the caller disposes it (the CPU one is shared and ignores it).</summary>
    public static IBackend Open(string device)
    {
        switch (device.Trim().ToLowerInvariant())
        {
            case "cpu":
                return Device.Cpu;
            case "auto":
                if (!GpuProbe.HasVulkanGpu()) return Device.Cpu;   // without loading a Vulkan driver here
                try
                {
                    return new VulkanBackend();
                }
                catch (GpuUnavailableException)
                {
                    return Device.Cpu;
                }
            case "vulkan":
                return new VulkanBackend();
            case var name when name.StartsWith("vulkan:", StringComparison.Ordinal):
                return new VulkanBackend(new VulkanOptions { DeviceIndex = VulkanIndex(device), AllowCpuDevice = true });
            default:
                throw new UsageException($"--device: unknown device '{device}'; expected {Help}");
        }
    }

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
