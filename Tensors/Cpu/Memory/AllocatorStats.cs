// AllocatorStats: a CpuAllocator's counters, as one snapshot (CpuAllocator.Stats). Block bytes are
// size-class sizes (what the allocator holds); requested bytes are what the tensors asked for.
// Reserved = in use + cached: the allocator's share of the process's memory.
// The counters are alike on purpose: a table of properties, one documented line each.
namespace MoeFromScratch.Tensors.Cpu.Memory;

public record struct AllocatorStats
{
    /// <summary>Block bytes held by live storages.</summary>
    public long BytesInUse { get; internal set; }

    /// <summary>Block bytes of freed blocks kept for reuse (including poison mode's quarantine).</summary>
    public long BytesCached { get; internal set; }

    /// <summary>Bytes the live storages asked for (their elements times element size).</summary>
    public long RequestedBytes { get; internal set; }

    /// <summary>Highest BytesInUse since creation or ResetPeaks.</summary>
    public long PeakBytesInUse { get; internal set; }

    /// <summary>Highest RequestedBytes since creation or ResetPeaks: the live tensor bytes at the worst moment.</summary>
    public long PeakRequestedBytes { get; internal set; }

    /// <summary>Highest BytesInUse + BytesCached since creation or ResetPeaks.</summary>
    public long PeakBytesReserved { get; internal set; }

    /// <summary>Storages alive now.</summary>
    public long LiveBlocks { get; internal set; }

    /// <summary>Every Allocate; CacheHits of them reused a cached block, OsAllocations asked the OS.</summary>
    public long Allocations { get; internal set; }
    public long CacheHits { get; internal set; }
    public long OsAllocations { get; internal set; }

    /// <summary>Blocks given back to the OS (over the cache cap, or by Trim).</summary>
    public long OsFrees { get; internal set; }

    /// <summary>Storages nobody disposed, freed by their finaliser instead: each one is a lifetime bug.</summary>
    public long Leaked { get; internal set; }

    public readonly long BytesReserved => BytesInUse + BytesCached;
}
