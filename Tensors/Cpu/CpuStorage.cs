// CpuStorage: a CPU tensor's elements in one native, 64-byte-aligned block from a CpuAllocator, so
// kernels take stable pointers and spans without pinning or copying. Float32, Float64, Int32 and
// BFloat16 (storage only: kernels widen it to float32, Cpu/Kernels/Bf16Widening.cs).
// The block goes back to the allocator (its cache) the moment the last view lets go (Storage's
// reference count calls Free), so memory use follows the live tensors, not the garbage collector.
// A new storage is NOT zeroed: it holds what the block held before (see CpuAllocator); every op
// writes its whole output, and Tensor.Zeros fills explicitly.
// After Free, Pointer and Span throw; a pointer taken before Free now points into a block another
// tensor may own (poison mode fills it with NaN so tests notice).
// A finaliser is the safety net for a storage nobody disposed: it returns the block and counts a
// leak (AllocatorStats.Leaked) — a bug to fix, not a way to manage memory.
using MoeFromScratch.Tensors.Cpu.Memory;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe class CpuStorage : Storage
{
    private readonly CpuAllocator _allocator;
    private CpuBlock _block;

    public CpuStorage(IBackend backend, DType dtype, long length, CpuAllocator? allocator = null) : base(backend, dtype, length)
    {
        // Spans index elements with an int, so one storage holds at most Array.MaxLength elements.
        if (length < 0 || length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"a CPU tensor holds at most {Array.MaxLength} elements, asked for {length}");
        if (dtype is not (DType.Float32 or DType.Float64 or DType.Int32 or DType.BFloat16))
            throw new NotSupportedException($"the CPU backend does not store {dtype.Name()} tensors");
        _allocator = allocator ?? CpuAllocator.Shared;
        _block = _allocator.Allocate(SizeInBytes);
    }

    ~CpuStorage()
    {
        if (_block.Pointer != 0) _allocator.Free(_block, leaked: true);
    }

    /// <summary>The elements as a span of T (T must match the dtype); valid until the storage is released.</summary>
    public Span<T> Span<T>() where T : unmanaged => new(Pointer<T>(), (int)(SizeInBytes / sizeof(T)));

    /// <summary>A stable, 64-byte-aligned pointer to element 0; valid until the storage is released.</summary>
    public T* Pointer<T>() where T : unmanaged
    {
        var block = _block.Pointer;
        if (block == 0) throw new ObjectDisposedException(nameof(CpuStorage), "the storage was released: its last tensor was disposed");
        return (T*)block;
    }

    protected override void Free()
    {
        var block = _block;
        _block = default;
        GC.SuppressFinalize(this);
        _allocator.Free(block);
    }
}
