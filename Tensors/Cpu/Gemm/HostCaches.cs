// HostCaches: the data-cache sizes of the core this process runs on, as the GEMM blocking needs them:
// L1 data, L2, and this core's share of the L3 (its size over the CPUs that share it). Read once from
// Linux sysfs (/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size,shared_cpu_list}); where
// that is missing (other systems, containers that hide it) each level falls back to a typical x86 core
// (32 KiB, 512 KiB, 4 MiB), and Source says which it was. Not here: what the sizes are used for
// (GemmBlocking.cs).
namespace MoeFromScratch.Tensors.Cpu;

/// <summary>Bytes of L1 data cache, L2, and this core's share of L3; Source: "sysfs" or "defaults".</summary>
internal readonly record struct HostCaches(long L1Data, long L2, long L3PerCore, string Source)
{
    public static readonly HostCaches Defaults = new(32 << 10, 512 << 10, 4 << 20, "defaults");

    public static readonly HostCaches Detected = Read("/sys/devices/system/cpu/cpu0/cache");

    /// <summary>The caches described under folder (sysfs layout); a level it does not describe keeps its default.</summary>
    public static HostCaches Read(string folder)
    {
        long l1 = 0, l2 = 0, l3 = 0;
        try
        {
            foreach (var index in Directory.Exists(folder) ? Directory.GetDirectories(folder, "index*") : [])
            {
                string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                if (type is not ("Data" or "Unified")) continue;   // the instruction cache holds no operands
                long size = ParseSize(File.ReadAllText(Path.Combine(index, "size")));
                int sharers = CountCpus(File.ReadAllText(Path.Combine(index, "shared_cpu_list")));
                switch (File.ReadAllText(Path.Combine(index, "level")).Trim())
                {
                    case "1": l1 = size; break;
                    case "2": l2 = size; break;
                    case "3": l3 = size / sharers; break;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return Defaults;
        }
        if (l1 <= 0 && l2 <= 0 && l3 <= 0) return Defaults;
        return new(l1 > 0 ? l1 : Defaults.L1Data, l2 > 0 ? l2 : Defaults.L2, l3 > 0 ? l3 : Defaults.L3PerCore, "sysfs");
    }

    /// <summary>"48K", "2048K", "32M" or plain bytes → bytes.</summary>
    public static long ParseSize(string text)
    {
        text = text.Trim();
        long unit = text.EndsWith('K') ? 1 << 10 : text.EndsWith('M') ? 1 << 20 : 1;
        return long.Parse(unit == 1 ? text : text[..^1], System.Globalization.CultureInfo.InvariantCulture) * unit;
    }

    /// <summary>"0-3,8-11" → 8: how many CPUs a cpu list names.</summary>
    public static int CountCpus(string list)
    {
        int count = 0;
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-');
            count += ends.Length == 2 ? int.Parse(ends[1]) - int.Parse(ends[0]) + 1 : 1;
        }
        return Math.Max(count, 1);
    }

    public override string ToString() =>
        $"L1d {L1Data >> 10} KiB, L2 {L2 >> 10} KiB, L3 {L3PerCore >> 10} KiB per core ({Source})";
}
