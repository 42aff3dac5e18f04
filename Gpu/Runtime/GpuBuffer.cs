// GpuBuffer: one VkBuffer bound to its own VkDeviceMemory, either device-local (a pool block) or
// host-visible and persistently mapped (a staging buffer). No sub-allocation here: see MemoryPool.
using Silk.NET.Vulkan;
using Buffer = Silk.NET.Vulkan.Buffer;

namespace MoeFromScratch.Gpu.Runtime;

internal sealed unsafe class GpuBuffer : IDisposable
{
    private readonly VulkanContext _context;

    public Buffer Handle { get; }
    public DeviceMemory Memory { get; }
    public ulong Size { get; }

    /// <summary>Host pointer of a mapped (staging) buffer; null for device-local blocks.</summary>
    public byte* Mapped { get; }

    public GpuBuffer(VulkanContext context, ulong size, bool hostVisible)
    {
        _context = context;
        var vk = context.Vk;
        Size = size;
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = size,
            Usage = BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit,
            SharingMode = SharingMode.Exclusive,
        };
        Buffer buffer;
        VulkanInstance.Check(vk.CreateBuffer(context.Device, &info, null, &buffer), "vkCreateBuffer");
        Handle = buffer;
        MemoryRequirements needs;
        vk.GetBufferMemoryRequirements(context.Device, buffer, &needs);
        var required = hostVisible ? MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit : MemoryPropertyFlags.DeviceLocalBit;
        var preferred = hostVisible ? required | MemoryPropertyFlags.HostCachedBit : required;
        var allocate = new MemoryAllocateInfo
        {
            SType = StructureType.MemoryAllocateInfo,
            AllocationSize = needs.Size,
            MemoryTypeIndex = context.FindMemoryType(needs.MemoryTypeBits, required, preferred),
        };
        DeviceMemory memory;
        var result = vk.AllocateMemory(context.Device, &allocate, null, &memory);
        if (result != Result.Success)
        {
            vk.DestroyBuffer(context.Device, buffer, null);
            throw new GpuOutOfMemoryException($"{context.Info.Name}: could not allocate {size} bytes of {(hostVisible ? "staging" : "device")} memory ({result})");
        }
        Memory = memory;
        VulkanInstance.Check(vk.BindBufferMemory(context.Device, buffer, memory, 0), "vkBindBufferMemory");
        if (hostVisible)
        {
            void* mapped;
            VulkanInstance.Check(vk.MapMemory(context.Device, memory, 0, Vk.WholeSize, 0, &mapped), "vkMapMemory");
            Mapped = (byte*)mapped;
        }
    }

    public void Dispose()
    {
        var vk = _context.Vk;
        if (Mapped != null) vk.UnmapMemory(_context.Device, Memory);
        vk.DestroyBuffer(_context.Device, Handle, null);
        vk.FreeMemory(_context.Device, Memory, null);
    }
}
