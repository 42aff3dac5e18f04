// VulkanDevices: enumerates physical devices as VulkanDeviceInfo records and picks one.
// Selection prefers a discrete GPU, then an integrated one; a CPU-type device (lavapipe) is used
// only when asked for by index (`vulkan:N`) or with allowCpuDevice. It creates no logical device.
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace MoeFromScratch.Gpu.Runtime;

public static unsafe class VulkanDevices
{
    /// <summary>Every device the Vulkan loader sees; throws GpuUnavailableException without a loader.</summary>
    public static IReadOnlyList<VulkanDeviceInfo> List()
    {
        using var instance = new VulkanInstance(validation: false);
        return instance.PhysicalDevices().Select((d, i) => Describe(instance.Vk, d, i)).ToList();
    }

    /// <summary>
    /// The device to use: index when given; otherwise the first discrete GPU, else the first
    /// integrated/virtual GPU, else (only with allowCpuDevice) a CPU device.
    /// </summary>
    internal static int Select(IReadOnlyList<VulkanDeviceInfo> devices, int? index, bool allowCpuDevice)
    {
        if (devices.Count == 0)
            throw new GpuUnavailableException($"The Vulkan loader found no devices. {GpuUnavailableException.InstallHint}");
        if (index is int i)
        {
            if (i < 0 || i >= devices.Count)
                throw new GpuUnavailableException($"vulkan:{i} does not exist; devices are {Summary(devices)}");
            return i;
        }
        foreach (var type in new[] { VulkanDeviceType.DiscreteGpu, VulkanDeviceType.IntegratedGpu, VulkanDeviceType.VirtualGpu })
        {
            var found = devices.FirstOrDefault(d => d.Type == type);
            if (found is not null) return found.Index;
        }
        var cpu = devices.FirstOrDefault(d => d.Type == VulkanDeviceType.Cpu);
        if (cpu is not null && allowCpuDevice) return cpu.Index;
        throw new GpuUnavailableException(
            $"No Vulkan GPU found (devices: {Summary(devices)}). A CPU Vulkan device is used only when named " +
            "(`vulkan:N`) or allowed explicitly (allowCpuDevice); install your GPU vendor's Vulkan driver for a real GPU.");
    }

    private static string Summary(IReadOnlyList<VulkanDeviceInfo> devices) =>
        devices.Count == 0 ? "none" : string.Join(", ", devices.Select(d => $"vulkan:{d.Index} {d.Name} ({d.Type})"));

    internal static HashSet<string> DeviceExtensions(Vk vk, PhysicalDevice device)
    {
        uint count = 0;
        vk.EnumerateDeviceExtensionProperties(device, (byte*)null, &count, null);
        var props = new ExtensionProperties[count];
        fixed (ExtensionProperties* p = props) vk.EnumerateDeviceExtensionProperties(device, (byte*)null, &count, p);
        return props.Select(e => SilkMarshal.PtrToString((nint)e.ExtensionName)!).ToHashSet();
    }

    internal static VulkanDeviceInfo Describe(Vk vk, PhysicalDevice device, int index)
    {
        var extensions = DeviceExtensions(vk, device);
        var driver = new PhysicalDeviceDriverProperties { SType = StructureType.PhysicalDeviceDriverProperties };
        var subgroup = new PhysicalDeviceSubgroupProperties { SType = StructureType.PhysicalDeviceSubgroupProperties, PNext = &driver };
        var props = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &subgroup };
        vk.GetPhysicalDeviceProperties2(device, &props);

        var atomics = new PhysicalDeviceShaderAtomicFloatFeaturesEXT { SType = StructureType.PhysicalDeviceShaderAtomicFloatFeaturesExt };
        var v12 = new PhysicalDeviceVulkan12Features { SType = StructureType.PhysicalDeviceVulkan12Features };
        if (extensions.Contains("VK_EXT_shader_atomic_float")) v12.PNext = &atomics;
        var storage16 = new PhysicalDevice16BitStorageFeatures { SType = StructureType.PhysicalDevice16BitStorageFeatures, PNext = &v12 };
        var features = new PhysicalDeviceFeatures2 { SType = StructureType.PhysicalDeviceFeatures2, PNext = &storage16 };
        vk.GetPhysicalDeviceFeatures2(device, &features);

        PhysicalDeviceMemoryProperties memory;
        vk.GetPhysicalDeviceMemoryProperties(device, &memory);
        ulong deviceLocal = 0;
        for (int h = 0; h < memory.MemoryHeapCount; h++)
            if (memory.MemoryHeaps[h].Flags.HasFlag(MemoryHeapFlags.DeviceLocalBit)) deviceLocal += memory.MemoryHeaps[h].Size;

        var p = props.Properties;
        string driverName = SilkMarshal.PtrToString((nint)driver.DriverName) ?? "";
        string driverInfo = SilkMarshal.PtrToString((nint)driver.DriverInfo) ?? "";
        return new VulkanDeviceInfo(
            Index: index,
            Name: SilkMarshal.PtrToString((nint)p.DeviceName) ?? "?",
            Type: p.DeviceType switch
            {
                PhysicalDeviceType.DiscreteGpu => VulkanDeviceType.DiscreteGpu,
                PhysicalDeviceType.IntegratedGpu => VulkanDeviceType.IntegratedGpu,
                PhysicalDeviceType.VirtualGpu => VulkanDeviceType.VirtualGpu,
                PhysicalDeviceType.Cpu => VulkanDeviceType.Cpu,
                _ => VulkanDeviceType.Other,
            },
            DriverName: driverName,
            DriverVersion: driverInfo.Length > 0 ? driverInfo : p.DriverVersion.ToString(),
            ApiVersion: $"{p.ApiVersion >> 22}.{(p.ApiVersion >> 12) & 0x3FF}.{p.ApiVersion & 0xFFF}",
            DeviceLocalBytes: deviceLocal,
            SubgroupSize: subgroup.SubgroupSize,
            MaxSharedMemoryBytes: p.Limits.MaxComputeSharedMemorySize,
            MaxStorageBufferRange: p.Limits.MaxStorageBufferRange,
            MaxWorkgroupInvocations: p.Limits.MaxComputeWorkGroupInvocations,
            SupportsFloat16: v12.ShaderFloat16,
            SupportsFloatAtomicAdd: extensions.Contains("VK_EXT_shader_atomic_float") && atomics.ShaderBufferFloat32AtomicAdd,
            SupportsPushDescriptors: extensions.Contains("VK_KHR_push_descriptor"),
            SupportsCooperativeMatrix: extensions.Contains("VK_KHR_cooperative_matrix"),
            Supports16BitStorage: storage16.StorageBuffer16BitAccess);
    }
}
