// CpuStorage: elements in a pinned managed array, so kernels can take stable pointers and
// spans without copying. Float32, Float64 and Int32 only.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MoeFromScratch.Tensors.Cpu;

public sealed class CpuStorage : Storage
{
    private Array? _data;

    public CpuStorage(IBackend backend, DType dtype, long length) : base(backend, dtype, length)
    {
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"a CPU tensor holds at most {Array.MaxLength} elements, asked for {length}");
        _data = dtype switch
        {
            DType.Float32 => GC.AllocateArray<float>((int)length, pinned: true),
            DType.Float64 => GC.AllocateArray<double>((int)length, pinned: true),
            DType.Int32 => GC.AllocateArray<int>((int)length, pinned: true),
            _ => throw new NotSupportedException($"the CPU backend does not store {dtype.Name()} tensors"),
        };
    }

    /// <summary>The elements as a span of T (T must match the dtype).</summary>
    public Span<T> Span<T>() where T : unmanaged
    {
        var data = _data ?? throw new ObjectDisposedException(nameof(CpuStorage));
        return MemoryMarshal.Cast<byte, T>(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(data), (int)(Length * DType.SizeInBytes())));
    }

    /// <summary>A stable pointer to element 0 (the array is pinned for its whole life).</summary>
    public unsafe T* Pointer<T>() where T : unmanaged
    {
        var data = _data ?? throw new ObjectDisposedException(nameof(CpuStorage));
        return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(data));
    }

    protected override void Free() => _data = null;
}
