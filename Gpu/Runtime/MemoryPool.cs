// MemoryPool: device-local blocks sub-allocated into tensor storages.
// Each block keeps a sorted free list; allocation is first-fit, rounded up to the device's
// minStorageBufferOffsetAlignment so every tensor can be bound at its own offset; freeing merges
// with both neighbours. A tensor never straddles blocks (one descriptor range must cover it), and
// one larger than maxStorageBufferRange is refused, naming both sizes.
// When the device has no memory for a new block (or an optional limit, for tests, is reached) the
// error is a GpuOutOfMemoryException naming the bytes needed and in use.
// Deliberately simple: no size classes, no defragmentation, blocks are kept until Dispose.
namespace MoeFromScratch.Gpu.Runtime;

internal sealed class MemoryPool : IDisposable
{
    private readonly VulkanContext _context;
    private readonly long _blockBytes;
    private readonly long _alignment;
    private readonly long? _limitBytes;
    private readonly List<Block> _blocks = [];

    public MemoryPool(VulkanContext context, long blockBytes, long? limitBytes = null)
    {
        (_context, _limitBytes) = (context, limitBytes);
        _alignment = (long)Math.Max(16, context.Limits.MinStorageBufferOffsetAlignment);
        _blockBytes = Math.Min(blockBytes, (long)context.Limits.MaxStorageBufferRange);
    }

    /// <summary>Bytes handed out and not yet freed (rounded to the alignment); flat across steps when nothing leaks.</summary>
    public long BytesInUse { get; private set; }

    /// <summary>The most BytesInUse has been since the pool was made or ResetPeak was called.</summary>
    public long PeakBytesInUse { get; private set; }

    public void ResetPeak() => PeakBytesInUse = BytesInUse;

    /// <summary>Bytes the pool may still add in blocks: the test limit, else the device-local heaps, less what it holds.</summary>
    public long BytesAvailable => Math.Max(0, (_limitBytes ?? (long)Math.Min(_context.Info.DeviceLocalBytes, long.MaxValue)) - BytesReserved);

    /// <summary>Bytes of device memory held in blocks.</summary>
    public long BytesReserved => _blocks.Sum(b => (long)b.Buffer.Size);

    public readonly record struct Range(GpuBuffer Buffer, long Offset, long Size);

    public Range Allocate(long bytes)
    {
        long maxRange = (long)_context.Limits.MaxStorageBufferRange;
        if (bytes > maxRange)
            throw new GpuOutOfMemoryException(
                $"{_context.Info.Name}: a tensor of {bytes} bytes exceeds maxStorageBufferRange ({maxRange} bytes), the largest buffer a shader can bind; {GpuOutOfMemoryException.Advice}");
        long size = Math.Max(_alignment, (bytes + _alignment - 1) / _alignment * _alignment);
        foreach (var block in _blocks)
            if (block.TryTake(size, out long offset)) return Taken(block, offset, size);
        var fresh = new Block(NewBuffer(Math.Max(size, _blockBytes)));
        _blocks.Add(fresh);
        fresh.TryTake(size, out long start);
        return Taken(fresh, start, size);
    }

    private GpuBuffer NewBuffer(long bytes)
    {
        GpuOutOfMemoryException OutOfMemory(string why) =>
            GpuOutOfMemoryException.ForPool(_context.Info.Name, bytes, BytesInUse, BytesReserved, why);
        if (_limitBytes is { } limit && BytesReserved + bytes > limit)
            throw OutOfMemory($"the pool's limit is {GpuOutOfMemoryException.Size(limit)}");
        try
        {
            return new GpuBuffer(_context, (ulong)bytes, hostVisible: false);
        }
        catch (GpuOutOfMemoryException e)
        {
            throw OutOfMemory(e.Message);
        }
    }

    private Range Taken(Block block, long offset, long size)
    {
        BytesInUse += size;
        PeakBytesInUse = Math.Max(PeakBytesInUse, BytesInUse);
        return new Range(block.Buffer, offset, size);
    }

    public void Free(Range range)
    {
        var block = _blocks.First(b => b.Buffer == range.Buffer);
        block.Give(range.Offset, range.Size);
        BytesInUse -= range.Size;
    }

    public void Dispose()
    {
        foreach (var block in _blocks) block.Buffer.Dispose();
        _blocks.Clear();
    }

    /// <summary>One device buffer and its free ranges, sorted by offset, never adjacent (they merge).</summary>
    private sealed class Block(GpuBuffer buffer)
    {
        private readonly List<(long Offset, long Size)> _free = [(0, (long)buffer.Size)];

        public GpuBuffer Buffer { get; } = buffer;

        public bool TryTake(long size, out long offset)
        {
            for (int i = 0; i < _free.Count; i++)
            {
                var (start, length) = _free[i];
                if (length < size) continue;
                offset = start;
                if (length == size) _free.RemoveAt(i);
                else _free[i] = (start + size, length - size);
                return true;
            }
            offset = -1;
            return false;
        }

        public void Give(long offset, long size)
        {
            int i = 0;
            while (i < _free.Count && _free[i].Offset < offset) i++;
            _free.Insert(i, (offset, size));
            if (i + 1 < _free.Count && _free[i].Offset + _free[i].Size == _free[i + 1].Offset)
            {
                _free[i] = (_free[i].Offset, _free[i].Size + _free[i + 1].Size);
                _free.RemoveAt(i + 1);
            }
            if (i > 0 && _free[i - 1].Offset + _free[i - 1].Size == _free[i].Offset)
            {
                _free[i - 1] = (_free[i - 1].Offset, _free[i - 1].Size + _free[i].Size);
                _free.RemoveAt(i);
            }
        }
    }
}
