// MemoryPressureTrim: gives a CpuAllocator's cache back to the OS when the machine runs short of
// memory. An object with a finaliser that re-registers itself runs once after each garbage
// collection that reaches it (the trick ArrayPool.Shared uses to trim); when the runtime reports the
// memory load at or above its high-load threshold, the allocator is trimmed. It holds the allocator
// weakly and stops once the allocator is gone.
// It deliberately is not: a timer or a background thread, nor a way to free blocks still in use.
namespace MoeFromScratch.Tensors.Cpu.Memory;

internal sealed class MemoryPressureTrim
{
    private readonly WeakReference<CpuAllocator> _allocator;

    private MemoryPressureTrim(CpuAllocator allocator) => _allocator = new WeakReference<CpuAllocator>(allocator);

    public static void Watch(CpuAllocator allocator) => _ = new MemoryPressureTrim(allocator);

    ~MemoryPressureTrim()
    {
        if (!_allocator.TryGetTarget(out var allocator)) return;
        var info = GC.GetGCMemoryInfo();
        if (info.HighMemoryLoadThresholdBytes > 0 && info.MemoryLoadBytes >= info.HighMemoryLoadThresholdBytes)
            allocator.Trim();
        if (!Environment.HasShutdownStarted) GC.ReRegisterForFinalize(this);
    }
}
