// HazardTracker: decides where the command stream needs a pipeline barrier.
// It remembers the byte ranges read and written since the last barrier. A new command needs a
// barrier when it reads a range written since then (read-after-write), or writes a range read or
// written since then (write-after-read, write-after-write: the pool reuses freed ranges at once).
// Independent dispatches therefore run back to back with no barrier between them.
// The state survives submits: a barrier's first scope covers earlier command buffers on the queue.
namespace MoeFromScratch.Gpu.Runtime;

internal sealed class HazardTracker
{
    private readonly List<Access> _reads = [];
    private readonly List<Access> _writes = [];

    public readonly record struct Access(GpuBuffer Buffer, long Start, long End)
    {
        public bool Overlaps(Access other) => Buffer == other.Buffer && Start < other.End && other.Start < End;
    }

    public int BarrierCount { get; private set; }

    /// <summary>True when a command with these accesses must wait for earlier ones; call Record after.</summary>
    public bool NeedsBarrier(ReadOnlySpan<Access> reads, ReadOnlySpan<Access> writes)
    {
        foreach (var r in reads)
            if (Hits(_writes, r)) return true;
        foreach (var w in writes)
            if (Hits(_writes, w) || Hits(_reads, w)) return true;
        return false;
    }

    public void Barrier()
    {
        _reads.Clear();
        _writes.Clear();
        BarrierCount++;
    }

    /// <summary>After the host waited for the queue to drain nothing is pending: forget without a barrier.</summary>
    public void Reset()
    {
        _reads.Clear();
        _writes.Clear();
    }

    public void Record(ReadOnlySpan<Access> reads, ReadOnlySpan<Access> writes)
    {
        foreach (var r in reads) _reads.Add(r);
        foreach (var w in writes) _writes.Add(w);
    }

    private static bool Hits(List<Access> list, Access a)
    {
        foreach (var x in list)
            if (x.Overlaps(a)) return true;
        return false;
    }
}
