// PooledBuffer: scratch memory for a kernel (a per-thread row, per-chunk partial sums), rented from
// the shared array pool and pinned so kernels can hold a pointer to it. Dispose returns it.
// It deliberately is not: zeroed (callers write before they read), nor a tensor.
using System.Buffers;
using System.Runtime.InteropServices;

namespace MoeFromScratch.Tensors.Cpu;

internal readonly unsafe struct PooledBuffer<T> : IDisposable where T : unmanaged
{
    private readonly T[] _array;
    private readonly GCHandle _pin;

    public PooledBuffer(long length)
    {
        _array = ArrayPool<T>.Shared.Rent(checked((int)length));
        _pin = GCHandle.Alloc(_array, GCHandleType.Pinned);
        Pointer = (T*)_pin.AddrOfPinnedObject();
        Length = (int)length;
    }

    public T* Pointer { get; }
    public int Length { get; }
    public Span<T> Span => new(Pointer, Length);

    public void Dispose()
    {
        if (_array is null) return;
        _pin.Free();
        ArrayPool<T>.Shared.Return(_array);
    }
}
