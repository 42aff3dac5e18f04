// CommandStream: records many dispatches into one command buffer and submits it in chunks
// (every DispatchesPerSubmit dispatches, or when the host must wait). No fence per op: the host
// waits only in Download and Synchronize. Barriers are inserted only where HazardTracker finds a
// dependency. Descriptors are pushed (VK_KHR_push_descriptor) or, without it, allocated from a
// pool owned by the chunk and reset when the chunk's fence has signalled.
// Uploads go through the chunk's persistent staging arena (StagingArena.cs), rewound when the
// chunk retires; read-backs through one more arena. All of them are made here, once: the
// staging-buffer counter moves only when a stream is created.
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
    private readonly StagingArena _readBack;
    private int _current = -1;

    /// <param name="stagingBytes">Size of each chunk's upload arena and of the read-back arena.</param>
    public CommandStream(VulkanContext context, int dispatchesPerSubmit, long stagingBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stagingBytes, 16);
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
        for (int i = 0; i < ChunkCount; i++) _chunks[i] = new Chunk(context, pool, stagingBytes);
        _readBack = new StagingArena(context, stagingBytes);
        _stagingCreated = ChunkCount + 1;
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

    /// <summary>Queues a host-to-device copy through the chunk's staging arena; returns without waiting.
    /// What does not fit in the arena goes in the next chunk's (this one is submitted first).</summary>
    public void Upload(MemoryPool.Range destination, long byteOffset, ReadOnlySpan<byte> data)
    {
        _bytesUploaded += data.Length;
        long start = destination.Offset + byteOffset;
        while (data.Length > 0)
        {
            var chunk = Current();
            var (stagingOffset, length) = chunk.Staging.Take(data.Length);
            if (length == 0)
            {
                Submit();   // the arena is full: the next chunk's, once its last submit has run
                continue;
            }
            data[..length].CopyTo(chunk.Staging.Bytes(stagingOffset, length));
            var write = new HazardTracker.Access(destination.Buffer, start, start + length);
            Order(chunk, [], [write]);
            var region = new BufferCopy((ulong)stagingOffset, (ulong)start, (ulong)length);
            _context.Vk.CmdCopyBuffer(chunk.Commands, chunk.Staging.Buffer.Handle, destination.Buffer.Handle, 1, &region);
            start += length;
            data = data[length..];
        }
    }

    /// <summary>Copies device bytes to the host: submits everything queued and waits for it (once per
    /// read-back arena's worth of bytes).</summary>
    public void Download(MemoryPool.Range source, long byteOffset, Span<byte> data)
    {
        if (data.Length == 0) return;
        (_readBacks, _bytesReadBack) = (_readBacks + 1, _bytesReadBack + data.Length);
        long start = source.Offset + byteOffset;
        while (data.Length > 0)
        {
            var chunk = Current();
            _readBack.Rewind();   // the last wait ran every copy into it
            var (_, length) = _readBack.Take(data.Length);
            var read = new HazardTracker.Access(source.Buffer, start, start + length);
            Order(chunk, [read], []);
            var region = new BufferCopy((ulong)start, 0, (ulong)length);
            _context.Vk.CmdCopyBuffer(chunk.Commands, source.Buffer.Handle, _readBack.Buffer.Handle, 1, &region);
            Synchronize();
            _readBack.Bytes(0, length).CopyTo(data);
            start += length;
            data = data[length..];
        }
    }

    /// <summary>Records a timestamp written when everything recorded before it has run (TimestampQueries.cs);
    /// resetFirst > 0 resets that many slots of the pool first (in the queue, so no wait).</summary>
    public void WriteTimestamp(QueryPool pool, uint slot, uint resetFirst)
    {
        var chunk = Current();
        if (resetFirst > 0) _context.Vk.CmdResetQueryPool(chunk.Commands, pool, 0, resetFirst);
        _context.Vk.CmdWriteTimestamp(chunk.Commands, PipelineStageFlags.BottomOfPipeBit, pool, slot);
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
        _readBack.Dispose();
        _context.Vk.DestroyCommandPool(_context.Device, _commandPool, null);
    }

    /// <summary>One command buffer in the ring, its fence, descriptor pool and staging arena.</summary>
    private sealed class Chunk
    {
        private readonly VulkanContext _context;
        private readonly DescriptorPool _descriptors;
        private bool _inFlight;

        public CommandBuffer Commands { get; }
        public Fence Fence { get; }
        public StagingArena Staging { get; }
        public int Dispatches { get; set; }

        public Chunk(VulkanContext context, CommandPool pool, long stagingBytes)
        {
            Staging = new StagingArena(context, stagingBytes);
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

        /// <summary>Waits for this chunk's last submit, then rewinds its staging arena and descriptors.</summary>
        public void WaitAndReset(VulkanContext context)
        {
            if (!_inFlight) return;
            var vk = context.Vk;
            var fence = Fence;
            VulkanInstance.Check(vk.WaitForFences(context.Device, 1, &fence, true, ulong.MaxValue), "vkWaitForFences");
            VulkanInstance.Check(vk.ResetFences(context.Device, 1, &fence), "vkResetFences");
            VulkanInstance.Check(vk.ResetCommandBuffer(Commands, 0), "vkResetCommandBuffer");
            if (_descriptors.Handle != 0) vk.ResetDescriptorPool(context.Device, _descriptors, 0);
            Staging.Rewind();
            Dispatches = 0;
            _inFlight = false;
        }

        public void Dispose(VulkanContext context)
        {
            WaitAndReset(context);
            var vk = context.Vk;
            if (_descriptors.Handle != 0) vk.DestroyDescriptorPool(context.Device, _descriptors, null);
            vk.DestroyFence(context.Device, Fence, null);
            Staging.Dispose();
        }
    }
}
