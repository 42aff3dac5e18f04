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

public sealed class GarbageBudget(long bytes = GarbageBudget.DefaultBytes)
{
    public const long DefaultBytes = 4L << 20;

    private long _allocatedAtLastCollection = GC.GetTotalAllocatedBytes();
    private int _collections = GC.CollectionCount(0);

    /// <summary>Call between steps: collects gen0 when the budget is spent and nobody else did.</summary>
    public void AfterStep()
    {
        long allocated = GC.GetTotalAllocatedBytes();
        int collections = GC.CollectionCount(0);
        if (collections != _collections)
        {
            (_allocatedAtLastCollection, _collections) = (allocated, collections);   // the runtime just collected
            return;
        }
        if (allocated - _allocatedAtLastCollection < bytes) return;
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        (_allocatedAtLastCollection, _collections) = (allocated, GC.CollectionCount(0));
    }
}
