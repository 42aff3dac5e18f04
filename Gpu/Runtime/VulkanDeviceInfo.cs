// VulkanDeviceInfo: what `moe devices` prints about one physical device, and what the backend
// reads to pick workgroup sizes and kernel variants. A plain record, no Vulkan handles.
namespace MoeFromScratch.Gpu.Runtime;

public enum VulkanDeviceType { Other, IntegratedGpu, DiscreteGpu, VirtualGpu, Cpu }

/// <param name="Index">Position in the loader's enumeration; `vulkan:N` selects it.</param>
/// <param name="Name">The device name the driver reports.</param>
/// <param name="Type">Discrete/integrated GPU, or Cpu for software drivers such as lavapipe.</param>
/// <param name="DriverName">VK_KHR_driver_properties driver name, e.g. "llvmpipe" or "NVIDIA".</param>
/// <param name="DriverVersion">Driver info string (falls back to the raw driverVersion number).</param>
/// <param name="ApiVersion">Highest Vulkan version the device supports, "major.minor.patch".</param>
/// <param name="DeviceLocalBytes">Sum of device-local memory heaps.</param>
/// <param name="SubgroupSize">Default subgroup (warp/wave) size; shaders here never assume one.</param>
/// <param name="MaxSharedMemoryBytes">maxComputeSharedMemorySize.</param>
/// <param name="MaxStorageBufferRange">Largest storage-buffer binding: the biggest tensor the backend takes.</param>
/// <param name="MaxWorkgroupInvocations">maxComputeWorkGroupInvocations.</param>
/// <param name="SupportsFloat16">shaderFloat16 (Vulkan 1.2 feature).</param>
/// <param name="SupportsFloatAtomicAdd">VK_EXT_shader_atomic_float with shaderBufferFloat32AtomicAdd.</param>
/// <param name="SupportsPushDescriptors">VK_KHR_push_descriptor present.</param>
/// <param name="SupportsCooperativeMatrix">VK_KHR_cooperative_matrix present (advertised, not proven to work).</param>
/// <param name="Supports16BitStorage">storageBuffer16BitAccess (Vulkan 1.1 feature): 16-bit words in storage buffers, how bfloat16 tensors are stored.</param>
public sealed record VulkanDeviceInfo(
    int Index,
    string Name,
    VulkanDeviceType Type,
    string DriverName,
    string DriverVersion,
    string ApiVersion,
    ulong DeviceLocalBytes,
    uint SubgroupSize,
    uint MaxSharedMemoryBytes,
    ulong MaxStorageBufferRange,
    uint MaxWorkgroupInvocations,
    bool SupportsFloat16,
    bool SupportsFloatAtomicAdd,
    bool SupportsPushDescriptors,
    bool SupportsCooperativeMatrix,
    bool Supports16BitStorage = false);
