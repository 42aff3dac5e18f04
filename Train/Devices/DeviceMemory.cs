// DeviceMemory: how many bytes a run could still get on a backend, asked before a model or a batch
// is built. The CPU: the smaller of the kernel's MemAvailable (/proc/meminfo: free memory plus the
// page cache it can drop) and the room left under the process's cgroup limit (memory.max less
// memory.current, cgroup v2; v1's limit_in_bytes less usage_in_bytes). Vulkan: what the device
// pool can still add (its test limit or the device-local heaps, less its blocks). Null where
// nothing is known (not Linux), and then nothing is refused.
// Not a reservation: other processes may take memory meanwhile; this catches what cannot fit at all.
using MoeFromScratch.Gpu;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Devices;

public static class DeviceMemory
{
    /// <summary>Bytes available to this process on backend, and where the figure comes from.</summary>
    public static (long Bytes, string Source)? Available(IBackend backend) => backend switch
    {
        VulkanBackend vulkan => (vulkan.BytesAvailable, $"{backend.Name} device memory"),
        _ => HostAvailable(),
    };

    private static (long, string)? HostAvailable()
    {
        long? available = MemInfoAvailable();
        long? cgroup = CgroupRoom();
        return (available, cgroup) switch
        {
            (null, null) => null,
            (long a, long c) when c < a => (c, "the room under this process's cgroup memory limit"),
            (long a, _) => (a, "MemAvailable"),
            (null, long c) => (c, "the room under this process's cgroup memory limit"),
        };
    }

    private static long? MemInfoAvailable()
    {
        const string meminfo = "/proc/meminfo";
        if (!File.Exists(meminfo)) return null;
        foreach (var line in File.ReadLines(meminfo))
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                var parts = line["MemAvailable:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts is [var kb, "kB"] && long.TryParse(kb, out long k) ? k * 1024 : null;
            }
        return null;
    }

    private static long? CgroupRoom()
    {
        string? Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        foreach (var (limit, usage) in new[] { ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                     ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes") })
        {
            if (long.TryParse(Read(limit), out long max) && long.TryParse(Read(usage), out long used) && max < 1L << 60)
                return Math.Max(0, max - used);
        }
        return null;
    }
}
