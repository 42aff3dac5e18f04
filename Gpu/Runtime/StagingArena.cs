// StagingArena: one persistent, mapped, host-visible buffer handed out front to back (a bump
// pointer) and rewound all at once. CommandStream gives each command-buffer chunk one for its
// uploads, rewound when the chunk's fence has signalled (the copies that read it have run), and
// keeps one more for read-backs. Made once when the stream is made: after that no staging buffer
// is ever created, whatever the step uploads; an upload larger than what is left is split by the
// caller across chunks (CommandStream.Upload).
// Not a general allocator: no frees of single ranges, no growth.
namespace MoeFromScratch.Gpu.Runtime;

internal sealed unsafe class StagingArena(VulkanContext context, long capacity) : IDisposable
{
    // Each piece starts 16-byte aligned: vkCmdCopyBuffer needs no alignment, but 16 keeps every
    // piece of a float4 or int4 upload on its natural boundary for drivers that copy by vectors.
    private const long Alignment = 16;

    private long _used;

    public GpuBuffer Buffer { get; } = new(context, (ulong)capacity, hostVisible: true);

    /// <summary>Takes up to bytes from what is left: the piece's offset and length (0 when the arena is full).</summary>
    public (long Offset, int Length) Take(int bytes)
    {
        long start = (_used + Alignment - 1) / Alignment * Alignment;
        int length = (int)Math.Clamp((long)Buffer.Size - start, 0, bytes);
        if (length > 0) _used = start + length;
        return (start, length);
    }

    /// <summary>The mapped bytes of a piece Take returned.</summary>
    public Span<byte> Bytes(long offset, int length) => new(Buffer.Mapped + offset, length);

    /// <summary>Everything taken is free again; only once the queue no longer reads it.</summary>
    public void Rewind() => _used = 0;

    public void Dispose() => Buffer.Dispose();
}
