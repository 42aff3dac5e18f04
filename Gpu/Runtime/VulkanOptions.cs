// VulkanOptions: how to pick and configure the device. Defaults suit a real GPU; tests pass
// AllowCpuDevice = true to run on lavapipe.
namespace MoeFromScratch.Gpu.Runtime;

public sealed record VulkanOptions
{
    /// <summary>Device index (`vulkan:N`); null picks the best GPU.</summary>
    public int? DeviceIndex { get; init; }

    /// <summary>Allow a CPU-type Vulkan device (lavapipe) when no GPU is found.</summary>
    public bool AllowCpuDevice { get; init; }

    /// <summary>Khronos validation layer; null reads MOE_VK_VALIDATION=1.</summary>
    public bool? Validation { get; init; }

    /// <summary>Time every dispatch alone and print the per-shader table to stderr on Dispose (Runtime/KernelProfile.cs); null reads MOE_VK_PROFILE=1.</summary>
    public bool? ProfileKernels { get; init; }

    /// <summary>Use VK_KHR_push_descriptor when the device has it (false forces descriptor pools).</summary>
    public bool UsePushDescriptors { get; init; } = true;

    /// <summary>Enable 16-bit storage (storageBuffer16BitAccess) when the device has it, so bfloat16 tensors can be stored
    /// (false: the backend takes float32 and int32 only, as on a device without it; tests use this to reach that error).</summary>
    public bool Use16BitStorage { get; init; } = true;

    /// <summary>Dispatches recorded into one command buffer before it is submitted.</summary>
    public int DispatchesPerSubmit { get; init; } = 64;

    /// <summary>Bytes of each persistent staging arena (one per command-buffer chunk for uploads, one for
    /// read-backs; Runtime/StagingArena.cs). A step's uploads are small (token ids, ~140 KiB on `small`);
    /// larger ones (weights at load) are split into arena-sized pieces.</summary>
    public long StagingBytes { get; init; } = 4L << 20;

    /// <summary>Size of each device-memory block the pool sub-allocates (larger tensors get their own).</summary>
    public long PoolBlockBytes { get; init; } = 64L << 20;

    /// <summary>Where compiled pipelines are kept between runs (loaded at start, saved at Dispose when new ones were built); null keeps none.</summary>
    public IPipelineCacheStore? PipelineCache { get; init; }

    /// <summary>Device memory the pool may reserve; null: whatever the device gives. Tests use a small one to reach the out-of-memory error.</summary>
    public long? MemoryLimitBytes { get; init; }
}
