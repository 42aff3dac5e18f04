// GemmBlocking: the driver's three block sizes (GemmDriver.cs), chosen at start-up from the host's
// caches (HostCaches.cs) rather than tuned for one machine, after the analytical model of BLIS
// (Low et al., "Analytical modeling is enough for high-performance BLIS", 2016), simplified to halves:
//   PC: the packed B sliver (PC × NR) fills half of L1; the other half holds the A sliver (MR × PC,
//       MR < NR) and the lines of the C tile, so neither evicts the sliver the kernel reuses.
//   MC: the packed A block (MC × PC) fills half of L2, the rest for the B sliver streaming through.
//   NC: the packed B panel (PC × NC) fills half of this core's share of L3.
// Each is rounded down to what the loops step by (8, MR, NR) and kept in a sane range. On the Zen 3
// host (32 KiB L1d, 512 KiB L2) that gives PC 256, the value a sweep found best there (docs/performance.md).
// MOE_GEMM_BLOCKING="PC,MC,NC" (elements) overrides it, for sweeps; a malformed value is ignored with
// a one-line warning (it is read in a static initialiser, where an exception would be a stack trace).
namespace MoeFromScratch.Tensors.Cpu;

internal readonly record struct GemmBlocking(int PC, int MC, int NC)
{
    public const string OverrideVariable = "MOE_GEMM_BLOCKING";

    /// <summary>The blocks for elements of elementSize bytes and an mr × nr micro-kernel on a host with these caches.</summary>
    public static GemmBlocking For(HostCaches caches, int elementSize, int mr, int nr)
    {
        int pc = Fit(caches.L1Data / 2, (long)nr * elementSize, step: 8, min: 64, max: 1024);
        int mc = Fit(caches.L2 / 2, (long)pc * elementSize, step: mr, min: mr, max: 1020);
        int nc = Fit(caches.L3PerCore / 2, (long)pc * elementSize, step: nr, min: nr, max: 8192);
        return new(pc, mc, nc);
    }

    /// <summary>For(HostCaches.Detected, …) unless MOE_GEMM_BLOCKING gives the three sizes.</summary>
    public static GemmBlocking ForThisHost(int elementSize, int mr, int nr)
    {
        var derived = For(HostCaches.Detected, elementSize, mr, nr);
        if (Environment.GetEnvironmentVariable(OverrideVariable) is not { Length: > 0 } text) return derived;
        try
        {
            return Parse(text, mr, nr);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"moe: warning: {e.Message}; using {derived.PC},{derived.MC},{derived.NC} from the caches");
            return derived;
        }
    }

    /// <summary>"PC,MC,NC" → the blocks, MC and NC rounded down to multiples of mr and nr.</summary>
    public static GemmBlocking Parse(string text, int mr, int nr)
    {
        var parts = text.Split(',');
        if (parts.Length != 3 || !int.TryParse(parts[0], out int pc) || !int.TryParse(parts[1], out int mc) || !int.TryParse(parts[2], out int nc)
            || pc < 1 || mc < mr || nc < nr)
            throw new ArgumentException($"{OverrideVariable}={text}: expected PC,MC,NC in elements, e.g. 256,144,4096 (MC at least {mr}, NC at least {nr})");
        return new(pc, mc / mr * mr, nc / nr * nr);
    }

    // The largest multiple of step with count × bytesEach ≤ budget, within [min, max].
    private static int Fit(long budget, long bytesEach, int step, int min, int max)
    {
        long count = budget / bytesEach / step * step;
        return (int)Math.Clamp(count, min, max / step * step);
    }
}
