// VulkanCounters: what a VulkanBackend has done since it was created, the numbers a GPU engineer
// reads first when a step is slow: dispatches and the barriers between them, command-buffer submits,
// the times the host waited for the queue (every read-back waits; so does an explicit Synchronize,
// e.g. a phase timer), the bytes that crossed the bus each way, and the staging buffers created for
// them. A benchmark takes two snapshots and divides their difference by the steps between
// (Train/Bench/TrainBench.cs); pool bytes at their peak are MemoryPool's, beside these.
namespace MoeFromScratch.Gpu.Runtime;

public readonly record struct VulkanCounters(
    long Dispatches, long Barriers, long Submits, long HostWaits, long ReadBacks,
    long BytesUploaded, long BytesReadBack, long StagingBuffersCreated)
{
    public static VulkanCounters operator -(VulkanCounters a, VulkanCounters b) => new(
        a.Dispatches - b.Dispatches, a.Barriers - b.Barriers, a.Submits - b.Submits, a.HostWaits - b.HostWaits,
        a.ReadBacks - b.ReadBacks, a.BytesUploaded - b.BytesUploaded, a.BytesReadBack - b.BytesReadBack,
        a.StagingBuffersCreated - b.StagingBuffersCreated);
}
