// Storage: a flat block of elements owned by one backend, shared by every tensor viewing it.
// Lifetime is deterministic: each tensor that views a storage holds one reference, and the block
// goes back to its backend when the last reference is released (Tensor.Dispose or a TensorScope).
// It deliberately has no finaliser: GPU memory is never left to the garbage collector.
namespace MoeFromScratch.Tensors;

public abstract class Storage
{
    private int _references = 1;

    protected Storage(IBackend backend, DType dtype, long length)
    {
        Backend = backend;
        DType = dtype;
        Length = length;
    }

    public IBackend Backend { get; }
    public DType DType { get; }

    /// <summary>Number of elements (not bytes).</summary>
    public long Length { get; }

    public long SizeInBytes => Length * DType.SizeInBytes();
    public bool IsReleased => Volatile.Read(ref _references) <= 0;

    internal void Retain()
    {
        if (Interlocked.Increment(ref _references) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "a released storage cannot be viewed again");
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
            Free();
    }

    /// <summary>Returns the memory to the backend; called once, when the last view lets go.</summary>
    protected abstract void Free();
}
