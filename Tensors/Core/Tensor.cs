// Tensor: a shape, strides and an offset over a Storage owned by a backend.
// This is the raw, eager tensor: every op runs at once on the storage's backend. It has no
// gradients (those live in the Autograd project, above the backends, as in Burn).
// Views (Tensor.Views.cs) share storage; ops (Ops/*.cs) allocate a fresh contiguous result.
// Lifetime: Dispose releases this view's hold on the storage; see TensorScope for the usual way.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor : IDisposable
{
    private int _disposed;

    /// <summary>Wraps a storage; takes over one reference to it (the caller's).</summary>
    internal Tensor(Storage storage, int[] shape, long[] strides, long offset)
    {
        Storage = storage;
        Shape = shape;
        Strides = strides;
        Offset = offset;
        TensorScope.Register(this);
    }

    public Storage Storage { get; }
    public int[] Shape { get; }

    /// <summary>Per-axis step in elements; 0 on broadcast (expanded) axes.</summary>
    public long[] Strides { get; }

    /// <summary>Index of element [0, 0, ...] inside the storage.</summary>
    public long Offset { get; }

    public IBackend Backend => Storage.Backend;
    public DType DType => Storage.DType;
    public int Rank => Shape.Length;
    public long Numel => Tensors.Shape.Numel(Shape);
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public int Size(int axis) => Shape[Tensors.Shape.NormalizeAxis("Size", axis, Rank)];

    /// <summary>True when the elements lie row-major without gaps, starting at Offset.</summary>
    public bool IsContiguous
    {
        get
        {
            if (Numel == 0) return true;
            long expected = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != expected) return false;
                expected *= Shape[i];
            }
            return true;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            Storage.Release();
    }

    internal void ThrowIfDisposed(string op)
    {
        if (IsDisposed)
            throw new ObjectDisposedException(nameof(Tensor), $"{op}: tensor {Tensors.Shape.Format(Shape)} was already disposed");
    }

    // ---- reading back --------------------------------------------------------------------------

    /// <summary>Copies the elements (row-major) to a new host array; T must match DType.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        ThrowIfDisposed("ToArray");
        CheckElementType<T>("ToArray");
        // An empty view may start past the end of its storage (a narrow at the end of a 0-size axis).
        if (Numel == 0) return [];
        using var dense = IsContiguous ? null : Contiguous();
        var source = dense ?? this;
        var result = new T[source.Numel];
        Backend.Download<T>(source.Storage, source.Offset, result);
        return result;
    }

    /// <summary>
    /// Copies elements [start, start + destination.Length) of a contiguous tensor, in row-major
    /// order, to a host span: how a large tensor is read back in pieces, with no host array of all of it.
    /// </summary>
    public void CopyTo<T>(long start, Span<T> destination) where T : unmanaged
    {
        ThrowIfDisposed("CopyTo");
        CheckElementType<T>("CopyTo");
        if (!IsContiguous)
            throw new InvalidOperationException($"CopyTo: tensor {Tensors.Shape.Format(Shape)} is a strided view; copy it with Contiguous() first");
        if (start < 0 || start + destination.Length > Numel)
            throw new ArgumentOutOfRangeException(nameof(start), $"CopyTo: elements [{start}, {start + destination.Length}) of a tensor of {Numel}");
        if (destination.Length > 0) Backend.Download(Storage, Offset + start, destination);
    }

    /// <summary>The elements as float64 whatever the floating dtype (tests, printing).</summary>
    public double[] ToDoubleArray() => DType switch
    {
        DType.Float64 => ToArray<double>(),
        DType.Float32 => Array.ConvertAll(ToArray<float>(), v => (double)v),
        DType.Int32 => Array.ConvertAll(ToArray<int>(), v => (double)v),
        _ => Cast(DType.Float32).ToDoubleArray(),
    };

    /// <summary>The single value of a one-element tensor.</summary>
    public double Item()
    {
        if (Numel != 1)
            throw new ShapeException($"Item: tensor {Tensors.Shape.Format(Shape)} has {Numel} elements, expected 1");
        return ToDoubleArray()[0];
    }

    internal void CheckElementType<T>(string op) where T : unmanaged
    {
        var expected = ElementTypeOf<T>(op);
        if (expected != DType)
            throw new ArgumentException($"{op}: tensor holds {DType.Name()}, not {expected.Name()}");
    }

    internal static DType ElementTypeOf<T>(string op) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        if (typeof(T) == typeof(BFloat16)) return DType.BFloat16;
        throw new ArgumentException($"{op}: element type {typeof(T).Name} is not a tensor dtype");
    }

    public override string ToString() =>
        $"Tensor{Tensors.Shape.Format(Shape)} {DType.Name()} on {Backend.Name}";
}
