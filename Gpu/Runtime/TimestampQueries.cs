// TimestampQueries: a VkQueryPool of timestamps the command stream writes between dispatches
// (vkCmdWriteTimestamp at the bottom of the pipe: when everything recorded before it has finished),
// so a caller can time phases of queued work without draining the queue at each boundary. Reading
// them waits once for the queue (CommandStream.Synchronize: a counted host wait) and converts ticks
// to time by the device's timestampPeriod. Slots are reset in the queue at the first mark of a round.
// Not a profiler of single dispatches (Runtime/KernelProfile.cs times those, draining each).
using Silk.NET.Vulkan;

namespace MoeFromScratch.Gpu.Runtime;

internal sealed unsafe class TimestampQueries : IDisposable
{
    private readonly VulkanContext _context;
    private readonly QueryPool _pool;
    private int _marked;

    public TimestampQueries(VulkanContext context, int slots)
    {
        _context = context;
        Slots = slots;
        var info = new QueryPoolCreateInfo { SType = StructureType.QueryPoolCreateInfo, QueryType = QueryType.Timestamp, QueryCount = (uint)slots };
        QueryPool pool;
        VulkanInstance.Check(context.Vk.CreateQueryPool(context.Device, &info, null, &pool), "vkCreateQueryPool");
        _pool = pool;
    }

    public int Slots { get; }

    /// <summary>Marks the end of the work recorded so far; the first mark of a round (after Read) resets the slots.</summary>
    public void Mark(CommandStream stream)
    {
        if (_marked == Slots) throw new InvalidOperationException($"timestamps: all {Slots} slots are marked; Read them first");
        stream.WriteTimestamp(_pool, (uint)_marked, resetFirst: _marked == 0 ? (uint)Slots : 0);
        _marked++;
    }

    /// <summary>The times between consecutive marks of this round (one fewer than the marks); waits for the queue once.</summary>
    public TimeSpan[] Read(CommandStream stream)
    {
        int count = _marked;
        _marked = 0;
        if (count < 2) return [];
        stream.Synchronize();
        var ticks = new ulong[count];
        fixed (ulong* p = ticks)
            VulkanInstance.Check(_context.Vk.GetQueryPoolResults(_context.Device, _pool, 0, (uint)count, (nuint)(count * sizeof(ulong)), p, sizeof(ulong), QueryResultFlags.Result64Bit),
                "vkGetQueryPoolResults");
        ulong mask = _context.TimestampValidBits >= 64 ? ulong.MaxValue : (1UL << (int)_context.TimestampValidBits) - 1;
        double nanosecondsPerTick = _context.Limits.TimestampPeriod;
        return [.. Enumerable.Range(1, count - 1).Select(i => TimeSpan.FromTicks((long)(((ticks[i] - ticks[i - 1]) & mask) * nanosecondsPerTick / 100)))];
    }

    public void Dispose() => _context.Vk.DestroyQueryPool(_context.Device, _pool, null);
}
