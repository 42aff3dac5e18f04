// CpuAllocatorOptions: how a CpuAllocator behaves, with defaults, and the two environment variables
// that change the shared allocator: MOE_CPU_CACHE_MIB (the cache cap) and MOE_CPU_POISON (1: poison
// mode, for running a test suite or a program under it). A bad value is a one-line UsageException.
namespace MoeFromScratch.Tensors.Cpu.Memory;

public sealed record CpuAllocatorOptions
{
    /// <summary>The most bytes of freed blocks kept for reuse; default an eighth of the memory the runtime sees.</summary>
    public long MaxCachedBytes { get; init; } = DefaultMaxCachedBytes();

    /// <summary>Fill handed-out and freed blocks with 0xFF, and quarantine freed ones before reuse.</summary>
    public bool Poison { get; init; }

    /// <summary>How many freed bytes poison mode holds back from reuse (first in, first out).</summary>
    public long QuarantineBytes { get; init; } = 64L << 20;

    /// <summary>
    /// How many classes above its own a request may take a cached block from (16: up to four times its
    /// size). Measured on `small` (bench train, peak RSS): 0 → 496 MiB, 8 → 463-471, 16 → 456, at the
    /// same tokens/s; a wider reach lets fewer blocks serve a step.
    /// </summary>
    public int MaxOversizeClasses { get; init; } = 2 * SizeClasses.ClassesPerDoubling;

    public const string CacheVariable = "MOE_CPU_CACHE_MIB";
    public const string PoisonVariable = "MOE_CPU_POISON";

    public void Validate()
    {
        if (MaxCachedBytes < 0) throw new ArgumentOutOfRangeException(nameof(MaxCachedBytes), $"cached bytes {MaxCachedBytes}: expected >= 0");
        if (MaxOversizeClasses < 0) throw new ArgumentOutOfRangeException(nameof(MaxOversizeClasses), $"oversize classes {MaxOversizeClasses}: expected >= 0");
        if (QuarantineBytes < 0) throw new ArgumentOutOfRangeException(nameof(QuarantineBytes), $"quarantine bytes {QuarantineBytes}: expected >= 0");
    }

    /// <summary>
    /// The defaults, overridden by MOE_CPU_CACHE_MIB (a whole number of MiB) and MOE_CPU_POISON (1 or 0);
    /// variable reads a variable (the process environment unless a test gives another).
    /// </summary>
    public static CpuAllocatorOptions FromEnvironment(Func<string, string?>? variable = null)
    {
        variable ??= Environment.GetEnvironmentVariable;
        var options = new CpuAllocatorOptions();
        if (variable(CacheVariable) is { Length: > 0 } mib)
        {
            if (!long.TryParse(mib, out long m) || m < 0 || m > long.MaxValue >> 20)
                throw new UsageException($"{CacheVariable}={mib}: expected a whole number of MiB >= 0");
            options = options with { MaxCachedBytes = m << 20 };
        }
        if (variable(PoisonVariable) is { Length: > 0 } poison)
        {
            if (poison is not ("0" or "1"))
                throw new UsageException($"{PoisonVariable}={poison}: expected 1 (poison freed CPU memory) or 0");
            options = options with { Poison = poison == "1" };
        }
        return options;
    }

    private static long DefaultMaxCachedBytes()
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return total > 0 ? total / 8 : 1L << 30;
    }
}
