// CommandStream: records many dispatches into one command buffer and submits it in chunks
// (every DispatchesPerSubmit dispatches, or when the host must wait). No fence per op: the host
// waits only in Download and Synchronize. Barriers are inserted only where HazardTracker finds a
// dependency. Descriptors are pushed (VK_KHR_push_descriptor) or, without it, allocated from a
// pool owned by the chunk and reset when the chunk's fence has signalled.
// Uploads go through staging buffers that the chunk frees when it retires.
// Not thread-safe: one stream per backend, driven by one thread.
// The Vulkan create-info initialisers look alike by the API's design (SType, counts, pointers);
// each fills a different structure, so they are written out rather than shared.
using Silk.NET.Vulkan;

namespace MoeFromScratch.Gpu.Runtime;

internal readonly record struct Binding(MemoryPool.Range Range, bool Written);

internal sealed unsafe class CommandStream : IDisposable
{
    private const int ChunkCount = 3;
    private const uint DescriptorSetsPerChunk = 256;

    private readonly VulkanContext _context;
    private readonly int _dispatchesPerSubmit;
    private readonly CommandPool _commandPool;
    private readonly Chunk[] _chunks;
    private readonly HazardTracker _hazards = new();
    private int _current = -1;

    public CommandStream(VulkanContext context, int dispatchesPerSubmit)
    {
        _context = context;
        _dispatchesPerSubmit = Math.Max(1, dispatchesPerSubmit);
        var info = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo,
            Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
            QueueFamilyIndex = context.QueueFamily,
        };
        CommandPool pool;
        VulkanInstance.Check(context.Vk.CreateCommandPool(context.Device, &info, null, &pool), "vkCreateCommandPool");
        _commandPool = pool;
        _chunks = new Chunk[ChunkCount];
        for (int i = 0; i < ChunkCount; i++) _chunks[i] = new Chunk(context, pool);
    }

    public int Dispatches { get; private set; }
    public int Submits { get; private set; }
    public int Barriers => _hazards.BarrierCount;
    private readonly Dictionary<string, long> _dispatchesByKernel = [];
    private long _hostWaits, _readBacks, _bytesUploaded, _bytesReadBack, _stagingCreated;

    /// <summary>Everything counted since the stream was created (VulkanCounters.cs).</summary>
    public VulkanCounters Counters => new(Dispatches, Barriers, Submits, _hostWaits, _readBacks, _bytesUploaded, _bytesReadBack, _stagingCreated);

    /// <summary>A copy of the dispatch count per label (what Dispatch was told the kernel is).</summary>
    public IReadOnlyDictionary<string, long> DispatchesByKernel() => new Dictionary<string, long>(_dispatchesByKernel);

    /// <summary>Records one dispatch, counted under label. Bindings map to set 0, binding i; push is at most 128 bytes.</summary>
    public void Dispatch(Kernel kernel, string label, ReadOnlySpan<Binding> bindings, ReadOnlySpan<byte> push, uint groupsX, uint groupsY = 1, uint groupsZ = 1)
    {
        if (bindings.Length != kernel.Bindings)
            throw new ArgumentException($"{kernel.Shader}: {bindings.Length} buffers bound, the shader has {kernel.Bindings}");
        if (groupsX == 0 || groupsY == 0 || groupsZ == 0) return;
        var chunk = Current();
        var vk = _context.Vk;
        var readList = new HazardTracker.Access[bindings.Length];
        var writeList = new HazardTracker.Access[bindings.Length];
        int nr = 0, nw = 0;
        foreach (var b in bindings)
        {
            var access = new HazardTracker.Access(b.Range.Buffer, b.Range.Offset, b.Range.Offset + b.Range.Size);
            if (b.Written) writeList[nw++] = access; else readList[nr++] = access;
        }
        Order(chunk, readList.AsSpan(0, nr), writeList.AsSpan(0, nw));

        vk.CmdBindPipeline(chunk.Commands, PipelineBindPoint.Compute, kernel.Pipeline);
        var infos = stackalloc DescriptorBufferInfo[bindings.Length];
        var writes = stackalloc WriteDescriptorSet[bindings.Length];
        var set = _context.PushDescriptors ? default : chunk.AllocateSet(kernel.SetLayout);
        for (int i = 0; i < bindings.Length; i++)
        {
            infos[i] = new DescriptorBufferInfo(bindings[i].Range.Buffer.Handle, (ulong)bindings[i].Range.Offset, (ulong)bindings[i].Range.Size);
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet,
                DstSet = set,
                DstBinding = (uint)i,
                DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer,
                PBufferInfo = &infos[i],
            };
        }
        if (_context.PushDescriptors)
        {
            _context.CmdPushDescriptorSet(chunk.Commands, PipelineBindPoint.Compute, kernel.Layout, 0, (uint)bindings.Length, writes);
        }
        else
        {
            vk.UpdateDescriptorSets(_context.Device, (uint)bindings.Length, writes, 0, null);
            vk.CmdBindDescriptorSets(chunk.Commands, PipelineBindPoint.Compute, kernel.Layout, 0, 1, &set, 0, (uint*)null);
        }
        if (push.Length > 0)
            fixed (byte* p = push)
                vk.CmdPushConstants(chunk.Commands, kernel.Layout, ShaderStageFlags.ComputeBit, 0, (uint)push.Length, p);
        vk.CmdDispatch(chunk.Commands, groupsX, groupsY, groupsZ);
        Dispatches++;
        _dispatchesByKernel[label] = _dispatchesByKernel.GetValueOrDefault(label) + 1;
        VulkanInstance.ThrowIfValidationFailed();
        if (++chunk.Dispatches >= _dispatchesPerSubmit) Submit();
    }

    /// <summary>Queues a host-to-device copy (through a staging buffer); returns without waiting.</summary>
    public void Upload(MemoryPool.Range destination, long byteOffset, ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return;
        var chunk = Current();
        var staging = new GpuBuffer(_context, (ulong)data.Length, hostVisible: true);
        (_stagingCreated, _bytesUploaded) = (_stagingCreated + 1, _bytesUploaded + data.Length);
        chunk.Staging.Add(staging);
        data.CopyTo(new Span<byte>(staging.Mapped, data.Length));
        long start = destination.Offset + byteOffset;
        var write = new HazardTracker.Access(destination.Buffer, start, start + data.Length);
        Order(chunk, [], [write]);
        var region = new BufferCopy(0, (ulong)start, (ulong)data.Length);
        _context.Vk.CmdCopyBuffer(chunk.Commands, staging.Handle, destination.Buffer.Handle, 1, &region);
    }

    /// <summary>Copies device bytes to the host: submits everything queued and waits for it.</summary>
    public void Download(MemoryPool.Range source, long byteOffset, Span<byte> data)
    {
        if (data.Length == 0) return;
        var chunk = Current();
        using var staging = new GpuBuffer(_context, (ulong)data.Length, hostVisible: true);
        (_stagingCreated, _readBacks, _bytesReadBack) = (_stagingCreated + 1, _readBacks + 1, _bytesReadBack + data.Length);
        long start = source.Offset + byteOffset;
        var read = new HazardTracker.Access(source.Buffer, start, start + data.Length);
        Order(chunk, [read], []);
        var region = new BufferCopy((ulong)start, 0, (ulong)data.Length);
        _context.Vk.CmdCopyBuffer(chunk.Commands, source.Buffer.Handle, staging.Handle, 1, &region);
        Synchronize();
        new ReadOnlySpan<byte>(staging.Mapped, data.Length).CopyTo(data);
    }

    /// <summary>Submits what is recorded and waits until the queue has run all of it.</summary>
    public void Synchronize()
    {
        _hostWaits++;
        Submit();
        foreach (var chunk in _chunks) chunk.WaitAndReset(_context);
        _hazards.Reset();
        VulkanInstance.ThrowIfValidationFailed();
    }

    // A barrier when this command touches bytes an un-barriered earlier command wrote (or, for
    // writes, read). One global memory barrier over compute and transfer: buffer-precise barriers
    // buy nothing on current drivers and cost bookkeeping.
    private void Order(Chunk chunk, ReadOnlySpan<HazardTracker.Access> reads, ReadOnlySpan<HazardTracker.Access> writes)
    {
        if (_hazards.NeedsBarrier(reads, writes))
        {
            var stages = PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit;
            var barrier = new MemoryBarrier
            {
                SType = StructureType.MemoryBarrier,
                SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
                DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit | AccessFlags.TransferReadBit | AccessFlags.TransferWriteBit,
            };
            _context.Vk.CmdPipelineBarrier(chunk.Commands, stages, stages, 0, 1, &barrier, 0, null, 0, null);
            _hazards.Barrier();
        }
        _hazards.Record(reads, writes);
    }

    private Chunk Current()
    {
        if (_current >= 0) return _chunks[_current];
        // Round-robin over the ring; the next chunk may still be in flight, then wait for it.
        int next = (Submits) % _chunks.Length;
        var chunk = _chunks[next];
        chunk.WaitAndReset(_context);
        chunk.Begin(_context);
        _current = next;
        return chunk;
    }

    private void Submit()
    {
        if (_current < 0) return;
        var chunk = _chunks[_current];
        _current = -1;
        chunk.End(_context);
        Submits++;
    }

    public void Dispose()
    {
        Synchronize();
        foreach (var chunk in _chunks) chunk.Dispose(_context);
        _context.Vk.DestroyCommandPool(_context.Device, _commandPool, null);
    }

    /// <summary>One command buffer in the ring, its fence, descriptor pool and staging buffers.</summary>
    private sealed class Chunk
    {
        private readonly VulkanContext _context;
        private readonly DescriptorPool _descriptors;
        private bool _inFlight;

        public CommandBuffer Commands { get; }
        public Fence Fence { get; }
        public List<GpuBuffer> Staging { get; } = [];
        public int Dispatches { get; set; }

        public Chunk(VulkanContext context, CommandPool pool)
        {
            var vk = context.Vk;
            var allocate = new CommandBufferAllocateInfo
            {
                SType = StructureType.CommandBufferAllocateInfo,
                CommandPool = pool,
                Level = CommandBufferLevel.Primary,
                CommandBufferCount = 1,
            };
            CommandBuffer commands;
            VulkanInstance.Check(vk.AllocateCommandBuffers(context.Device, &allocate, &commands), "vkAllocateCommandBuffers");
            Commands = commands;
            var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
            Fence fence;
            VulkanInstance.Check(vk.CreateFence(context.Device, &fenceInfo, null, &fence), "vkCreateFence");
            Fence = fence;
            if (!context.PushDescriptors)
            {
                // Enough for a full chunk: each dispatch takes one set of at most 8 buffers.
                var size = new DescriptorPoolSize(DescriptorType.StorageBuffer, DescriptorSetsPerChunk * 8);
                var poolInfo = new DescriptorPoolCreateInfo
                {
                    SType = StructureType.DescriptorPoolCreateInfo,
                    MaxSets = DescriptorSetsPerChunk,
                    PoolSizeCount = 1,
                    PPoolSizes = &size,
                };
                DescriptorPool descriptors;
                VulkanInstance.Check(vk.CreateDescriptorPool(context.Device, &poolInfo, null, &descriptors), "vkCreateDescriptorPool");
                _descriptors = descriptors;
            }
            _context = context;
        }

        public DescriptorSet AllocateSet(DescriptorSetLayout layout)
        {
            var info = new DescriptorSetAllocateInfo { SType = StructureType.DescriptorSetAllocateInfo, DescriptorPool = _descriptors, DescriptorSetCount = 1, PSetLayouts = &layout };
            DescriptorSet set;
            VulkanInstance.Check(_context.Vk.AllocateDescriptorSets(_context.Device, &info, &set), "vkAllocateDescriptorSets");
            return set;
        }

        public void Begin(VulkanContext context)
        {
            var info = new CommandBufferBeginInfo { SType = StructureType.CommandBufferBeginInfo, Flags = CommandBufferUsageFlags.OneTimeSubmitBit };
            VulkanInstance.Check(context.Vk.BeginCommandBuffer(Commands, &info), "vkBeginCommandBuffer");
        }

        public void End(VulkanContext context)
        {
            var vk = context.Vk;
            VulkanInstance.Check(vk.EndCommandBuffer(Commands), "vkEndCommandBuffer");
            var commands = Commands;
            var submit = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &commands };
            VulkanInstance.Check(vk.QueueSubmit(context.Queue, 1, &submit, Fence), "vkQueueSubmit");
            _inFlight = true;
        }

        /// <summary>Waits for this chunk's last submit, then frees its staging and descriptors.</summary>
        public void WaitAndReset(VulkanContext context)
        {
            if (!_inFlight) return;
            var vk = context.Vk;
            var fence = Fence;
            VulkanInstance.Check(vk.WaitForFences(context.Device, 1, &fence, true, ulong.MaxValue), "vkWaitForFences");
            VulkanInstance.Check(vk.ResetFences(context.Device, 1, &fence), "vkResetFences");
            VulkanInstance.Check(vk.ResetCommandBuffer(Commands, 0), "vkResetCommandBuffer");
            if (_descriptors.Handle != 0) vk.ResetDescriptorPool(context.Device, _descriptors, 0);
            foreach (var s in Staging) s.Dispose();
            Staging.Clear();
            Dispatches = 0;
            _inFlight = false;
        }

        public void Dispose(VulkanContext context)
        {
            WaitAndReset(context);
            var vk = context.Vk;
            if (_descriptors.Handle != 0) vk.DestroyDescriptorPool(context.Device, _descriptors, null);
            vk.DestroyFence(context.Device, Fence, null);
        }
    }
}
