// VulkanContext: the chosen physical device, one logical device and its compute queue, the
// limits the kernels read, and extension entry points loaded by hand (Silk.NET's extension
// packages are not used). It owns nothing else: memory, commands and pipelines live beside it.
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace MoeFromScratch.Gpu.Runtime;

internal sealed unsafe class VulkanContext : IDisposable
{
    public VulkanInstance Instance { get; }
    public Vk Vk => Instance.Vk;
    public PhysicalDevice PhysicalDevice { get; }
    public Device Device { get; }
    public Queue Queue { get; }
    public uint QueueFamily { get; }

    /// <summary>Bits of a timestamp the compute queue writes; 0 when it cannot (then no timestamp queries).</summary>
    public uint TimestampValidBits { get; }
    public VulkanDeviceInfo Info { get; }
    public PhysicalDeviceLimits Limits { get; }
    public PhysicalDeviceMemoryProperties MemoryProperties { get; }
    public bool PushDescriptors { get; }

    /// <summary>storageBuffer16BitAccess was enabled at device creation: the bf16 shader variants may run.</summary>
    public bool Storage16Bit { get; }

    /// <summary>The device and driver a saved pipeline cache must come from.</summary>
    public PipelineCacheIdentity CacheIdentity { get; }

    /// <summary>vkCmdPushDescriptorSetKHR, or null when push descriptors are off.</summary>
    public delegate* unmanaged<CommandBuffer, PipelineBindPoint, PipelineLayout, uint, uint, WriteDescriptorSet*, void> CmdPushDescriptorSet { get; }

    public VulkanContext(VulkanOptions options)
    {
        Instance = new VulkanInstance(options.Validation);
        try
        {
            var physical = Instance.PhysicalDevices();
            var infos = physical.Select((d, i) => VulkanDevices.Describe(Vk, d, i)).ToList();
            int chosen = VulkanDevices.Select(infos, options.DeviceIndex, options.AllowCpuDevice);
            PhysicalDevice = physical[chosen];
            Info = infos[chosen];
            PhysicalDeviceProperties props;
            Vk.GetPhysicalDeviceProperties(PhysicalDevice, &props);
            Limits = props.Limits;
            CacheIdentity = new PipelineCacheIdentity(props.VendorID, props.DeviceID, props.DriverVersion, new ReadOnlySpan<byte>(props.PipelineCacheUuid, 16).ToArray());
            PhysicalDeviceMemoryProperties memory;
            Vk.GetPhysicalDeviceMemoryProperties(PhysicalDevice, &memory);
            MemoryProperties = memory;
            PushDescriptors = options.UsePushDescriptors && Info.SupportsPushDescriptors;
            Storage16Bit = options.Use16BitStorage && Info.Supports16BitStorage;
            (QueueFamily, TimestampValidBits) = FindComputeQueueFamily();
            Device = CreateDevice(VulkanDevices.DeviceExtensions(Vk, PhysicalDevice));
            Queue queue;
            Vk.GetDeviceQueue(Device, QueueFamily, 0, &queue);
            Queue = queue;
            if (PushDescriptors)
                CmdPushDescriptorSet = (delegate* unmanaged<CommandBuffer, PipelineBindPoint, PipelineLayout, uint, uint, WriteDescriptorSet*, void>)
                    (nint)Vk.GetDeviceProcAddr(Device, "vkCmdPushDescriptorSetKHR");
        }
        catch
        {
            Instance.Dispose();
            throw;
        }
    }

    private (uint Family, uint TimestampValidBits) FindComputeQueueFamily()
    {
        uint count = 0;
        Vk.GetPhysicalDeviceQueueFamilyProperties(PhysicalDevice, &count, null);
        var families = new QueueFamilyProperties[count];
        fixed (QueueFamilyProperties* p = families) Vk.GetPhysicalDeviceQueueFamilyProperties(PhysicalDevice, &count, p);
        for (uint i = 0; i < count; i++)
            if (families[i].QueueFlags.HasFlag(QueueFlags.ComputeBit)) return (i, families[i].TimestampValidBits);
        throw new GpuUnavailableException($"{Info.Name} has no compute queue");
    }

    private Device CreateDevice(HashSet<string> available)
    {
        var extensions = new List<string>();
        if (PushDescriptors) extensions.Add("VK_KHR_push_descriptor");
        if (available.Contains("VK_KHR_portability_subset")) extensions.Add("VK_KHR_portability_subset"); // required when present (MoltenVK)

        float priority = 1;
        var queueInfo = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo,
            QueueFamilyIndex = QueueFamily,
            QueueCount = 1,
            PQueuePriorities = &priority,
        };
        // Optional features are off unless asked for: 16-bit storage is what bf16 tensors are stored through.
        var storage16 = new PhysicalDevice16BitStorageFeatures
        {
            SType = StructureType.PhysicalDevice16BitStorageFeatures,
            StorageBuffer16BitAccess = Storage16Bit,
        };
        var exts = (byte**)SilkMarshal.StringArrayToPtr(extensions);
        try
        {
            var info = new DeviceCreateInfo
            {
                SType = StructureType.DeviceCreateInfo,
                PNext = &storage16,
                QueueCreateInfoCount = 1,
                PQueueCreateInfos = &queueInfo,
                EnabledExtensionCount = (uint)extensions.Count,
                PpEnabledExtensionNames = exts,
            };
            Device device;
            VulkanInstance.Check(Vk.CreateDevice(PhysicalDevice, &info, null, &device), "vkCreateDevice");
            return device;
        }
        finally
        {
            SilkMarshal.Free((nint)exts);
        }
    }

    /// <summary>Index of a memory type allowed by typeBits with all the required flags, preferring the preferred ones too.</summary>
    public uint FindMemoryType(uint typeBits, MemoryPropertyFlags required, MemoryPropertyFlags preferred)
    {
        int fallback = -1;
        for (int i = 0; i < MemoryProperties.MemoryTypeCount; i++)
        {
            if ((typeBits & (1u << i)) == 0) continue;
            var flags = MemoryProperties.MemoryTypes[i].PropertyFlags;
            if ((flags & required) != required) continue;
            if ((flags & preferred) == preferred) return (uint)i;
            if (fallback < 0) fallback = i;
        }
        if (fallback < 0) throw new VulkanException($"{Info.Name}: no memory type with {required}");
        return (uint)fallback;
    }

    public void Dispose()
    {
        Vk.DeviceWaitIdle(Device);
        Vk.DestroyDevice(Device, null);
        Instance.Dispose();
    }
}
