// GarbageBudget: bounds the managed garbage a training run lets pile up between collections.
// Tensors live in native memory (CpuAllocator, the GPU pool), but every step also allocates a few
// MB of small managed objects: tape nodes, closures, shapes. The .NET GC sizes its youngest
// generation from the CPU's last-level cache, so on a server CPU (a 260 MiB L3 here) it lets
// ~100 MB of that garbage accumulate before it first looks: about 60 `small` steps' worth, all of
// it resident for nothing. After a step that took the run more than Bytes past the last
// collection, a gen0 collection runs: it finds almost nothing alive (a step's objects die with
// it), so it costs well under a millisecond, and the same few MB of heap are reused ever after.
// A collection the runtime made on its own starts the count afresh. It keeps the resident set
// flat; it does not make training faster.
namespace MoeFromScratch.Train.Training;

public sealed class GarbageBudget
{
    public const long DefaultBytes = 4L << 20;

    private readonly long _bytes;
    private readonly Func<long> _allocated;
    private readonly Func<int> _collections;
    private readonly Action _collect;
    private long _allocatedAtLastCollection;
    private int _collectionsSeen;

    /// <summary>The runtime's counters; allocated, collections and collect are seams for tests.</summary>
    public GarbageBudget(long bytes = DefaultBytes, Func<long>? allocated = null, Func<int>? collections = null, Action? collect = null)
    {
        _bytes = bytes;
        _allocated = allocated ?? (() => GC.GetTotalAllocatedBytes());
        _collections = collections ?? (() => GC.CollectionCount(0));
        _collect = collect ?? (() => GC.Collect(0, GCCollectionMode.Forced, blocking: true));
        (_allocatedAtLastCollection, _collectionsSeen) = (_allocated(), _collections());
    }

    /// <summary>Call between steps: collects gen0 when the budget is spent and nobody else did.</summary>
    public void AfterStep()
    {
        long allocated = _allocated();
        int collections = _collections();
        if (collections != _collectionsSeen)
        {
            (_allocatedAtLastCollection, _collectionsSeen) = (allocated, collections);   // the runtime just collected
            return;
        }
        if (allocated - _allocatedAtLastCollection < _bytes) return;
        _collect();
        (_allocatedAtLastCollection, _collectionsSeen) = (allocated, _collections());
    }
}
