// DeviceCatalog: what `--device` can name on this machine. The CPU is always there; Vulkan
// devices come from the loader's enumeration (none when no loader or driver is installed).
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using MoeFromScratch.Gpu.Runtime;

namespace MoeFromScratch.Train.Devices;

/// <summary>One usable compute device as `moe devices` shows it.</summary>
public sealed record DeviceInfo(string Id, string Type, string Name, string Details, JsonObject Properties)
{
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["id"] = Id, ["type"] = Type, ["name"] = Name };
        foreach (var (key, value) in Properties) o[key] = value?.DeepClone();
        return o;
    }
}

public static class DeviceCatalog
{
    private static string? _vulkanProblem;

    public static IReadOnlyList<DeviceInfo> List() => [Cpu(), .. Vulkan()];

    public static IEnumerable<string> Notes(IReadOnlyList<DeviceInfo> devices)
    {
        if (_vulkanProblem is not null)
            yield return $"Vulkan: {_vulkanProblem}";
        if (!devices.Any(d => GpuProbe.IsGpu(d.Type)))
            yield return "No Vulkan GPU: `--device auto` trains on the CPU. A CPU-type Vulkan device runs only when named (vulkan:N).";
    }

    private static IEnumerable<DeviceInfo> Vulkan()
    {
        IReadOnlyList<VulkanDeviceInfo> found;
        try
        {
            found = VulkanDevices.List();
        }
        catch (GpuUnavailableException e)
        {
            _vulkanProblem = e.Message;
            return [];
        }
        return found.Select(Describe);
    }

    private static DeviceInfo Describe(VulkanDeviceInfo d)
    {
        string type = d.Type switch
        {
            VulkanDeviceType.DiscreteGpu => "discrete-gpu",
            VulkanDeviceType.IntegratedGpu => "integrated-gpu",
            VulkanDeviceType.VirtualGpu => "virtual-gpu",
            VulkanDeviceType.Cpu => "cpu-vulkan",
            _ => "other",
        };
        var properties = new JsonObject
        {
            ["driver"] = d.DriverName,
            ["driver_version"] = d.DriverVersion,
            ["api_version"] = d.ApiVersion,
            ["memory_bytes"] = d.DeviceLocalBytes,
            ["subgroup_size"] = d.SubgroupSize,
            ["shared_memory_bytes"] = d.MaxSharedMemoryBytes,
            ["max_storage_buffer_range"] = d.MaxStorageBufferRange,
            ["fp16"] = d.SupportsFloat16,
            ["bf16_storage"] = d.Supports16BitStorage,
            ["cooperative_matrix"] = d.SupportsCooperativeMatrix,
            ["float_atomic_add"] = d.SupportsFloatAtomicAdd,
        };
        string details = $"{d.DriverName} {d.DriverVersion}, Vulkan {d.ApiVersion}, {d.DeviceLocalBytes / (1024.0 * 1024 * 1024):F1} GiB, " +
            $"subgroup {d.SubgroupSize}, shared {d.MaxSharedMemoryBytes / 1024} KiB, max buffer {d.MaxStorageBufferRange / (1024 * 1024)} MiB, " +
            $"fp16 {(d.SupportsFloat16 ? "yes" : "no")}, bf16 storage {(d.Supports16BitStorage ? "yes" : "no")}, coop-matrix {(d.SupportsCooperativeMatrix ? "yes" : "no")}";
        return new DeviceInfo($"vulkan:{d.Index}", type, d.Name, details, properties);
    }

    private static DeviceInfo Cpu()
    {
        string simd = Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512)"
            : Vector256.IsHardwareAccelerated ? "AVX2 (Vector256)"
            : Vector.IsHardwareAccelerated ? $"Vector<float> x{Vector<float>.Count}" : "scalar";
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        int cores = Environment.ProcessorCount;
        var properties = new JsonObject
        {
            ["cores"] = cores,
            ["simd"] = simd,
            ["memory_bytes"] = memory,
            ["dtypes"] = new JsonArray("float32", "float64", "int32"),
        };
        string details = $"{cores} cores, {simd}, {memory / (1024.0 * 1024 * 1024):F1} GiB";
        return new DeviceInfo("cpu", "cpu", CpuModelName(), details, properties);
    }

    private static string CpuModelName()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (File.Exists(cpuinfo))
        {
            var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
