// DeviceCatalog: what `--device` can name on this machine. The CPU is always there; Vulkan
// devices are added from the Gpu project once its enumeration is wired in.
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;

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
    public static IReadOnlyList<DeviceInfo> List() => [Cpu()];

    public static IEnumerable<string> Notes(IReadOnlyList<DeviceInfo> devices)
    {
        if (devices.All(d => d.Type == "cpu"))
            yield return "No Vulkan device listed: training runs on the CPU.";
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
