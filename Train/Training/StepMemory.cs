// StepMemory: what stays allocated after a training step, once its temporaries are freed: the
// device pool's bytes held by live tensors and reserved in blocks (Vulkan), and the process's
// resident set. metrics.jsonl records it every step, so a long run shows whether memory is flat.
// Not a breakdown of what holds the memory; on the CPU the device fields are null (its buffers
// are not counted by the backend) and only the resident set speaks.
using MoeFromScratch.Gpu;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

/// <param name="DeviceBytesInUse">Pool bytes held by live tensors (VulkanBackend.BytesInUse); null on the CPU.</param>
/// <param name="DeviceBytesReserved">Pool bytes held in device blocks, used or free; null on the CPU.</param>
/// <param name="RssBytes">The process's resident set (Environment.WorkingSet).</param>
public readonly record struct StepMemory(long? DeviceBytesInUse, long? DeviceBytesReserved, long? RssBytes)
{
    public static StepMemory Sample(IBackend backend) => backend is VulkanBackend gpu
        ? new(gpu.BytesInUse, gpu.BytesReserved, Environment.WorkingSet)
        : new(null, null, Environment.WorkingSet);
}
