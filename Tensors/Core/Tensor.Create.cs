// Creating tensors: uninitialised, filled, from host arrays, ranges and seeded random numbers,
// and moving them between backends. The backend defaults to the CPU.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    /// <summary>Uninitialised contiguous tensor.</summary>
    public static Tensor Empty(int[] shape, DType dtype = DType.Float32, IBackend? backend = null)
    {
        backend ??= Device.Cpu;
        if (shape.Any(d => d < 0))
            throw new ShapeException($"Empty: negative size in {Tensors.Shape.Format(shape)}");
        if (!backend.Supports(dtype))
            throw new NotSupportedException(backend.Unsupported(dtype));
        var storage = backend.Allocate(dtype, Tensors.Shape.Numel(shape));
        return new Tensor(storage, (int[])shape.Clone(), Tensors.Shape.ContiguousStrides(shape), 0);
    }

    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, IBackend? backend = null)
    {
        var y = Empty(shape, dtype, backend);
        y.Backend.Fill(y, value);
        return y;
    }

    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32, IBackend? backend = null) => Full(shape, 0, dtype, backend);
    public static Tensor Ones(int[] shape, DType dtype = DType.Float32, IBackend? backend = null) => Full(shape, 1, dtype, backend);

    public static Tensor ZerosLike(Tensor x) => Zeros(x.Shape, x.DType, x.Backend);
    public static Tensor OnesLike(Tensor x) => Ones(x.Shape, x.DType, x.Backend);

    public static Tensor FromArray(float[] data, int[] shape, IBackend? backend = null) => FromSpan<float>(data, shape, backend);
    public static Tensor FromArray(double[] data, int[] shape, IBackend? backend = null) => FromSpan<double>(data, shape, backend);
    public static Tensor FromArray(int[] data, int[] shape, IBackend? backend = null) => FromSpan<int>(data, shape, backend);

    /// <summary>A 0-dimensional (scalar) tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, IBackend? backend = null) => Full([], value, dtype, backend);

    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, int[] shape, IBackend? backend = null) where T : unmanaged
    {
        var dtype = ElementTypeOf<T>("FromArray");
        if (Tensors.Shape.Numel(shape) != data.Length)
            throw new ShapeException($"FromArray: {data.Length} values do not fill shape {Tensors.Shape.Format(shape)}");
        var y = Empty(shape, dtype, backend);
        y.Backend.Upload(y.Storage, 0, data);
        return y;
    }

    /// <summary>0, 1, ..., n-1.</summary>
    public static Tensor Arange(int n, DType dtype = DType.Float32, IBackend? backend = null)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = i;
        using var host = FromArray(values, [n]);
        return host.To(backend ?? Device.Cpu, dtype);
    }

    /// <summary>Uniform in [low, high); element i depends only on (seed, i), so every machine agrees.</summary>
    public static Tensor Rand(int[] shape, ulong seed, double low = 0, double high = 1, DType dtype = DType.Float32, IBackend? backend = null)
    {
        var y = Empty(shape, dtype, backend);
        y.Backend.RandomUniform(y, seed, low, high);
        return y;
    }

    /// <summary>Normal(mean, std); element i depends only on (seed, i).</summary>
    public static Tensor RandN(int[] shape, ulong seed, double mean = 0, double std = 1, DType dtype = DType.Float32, IBackend? backend = null)
    {
        var y = Empty(shape, dtype, backend);
        y.Backend.RandomNormal(y, seed, mean, std);
        return y;
    }

    /// <summary>A contiguous copy on another backend and/or dtype (always a new tensor).</summary>
    public Tensor To(IBackend backend, DType? dtype = null)
    {
        ThrowIfDisposed("To");
        var targetType = dtype ?? DType;
        if (backend == Backend)
            return Cast(targetType);
        // Cross-device: convert on the source side, move raw elements through the host.
        using var source = targetType == DType ? Contiguous() : Cast(targetType);
        var y = Empty(Shape, targetType, backend);
        switch (targetType)
        {
            case DType.Float32: y.Backend.Upload<float>(y.Storage, 0, source.ToArray<float>()); break;
            case DType.Float64: y.Backend.Upload<double>(y.Storage, 0, source.ToArray<double>()); break;
            case DType.Int32: y.Backend.Upload<int>(y.Storage, 0, source.ToArray<int>()); break;
            case DType.BFloat16: y.Backend.Upload<BFloat16>(y.Storage, 0, source.ToArray<BFloat16>()); break;
            default: y.Backend.Upload<Half>(y.Storage, 0, source.ToArray<Half>()); break;
        }
        return y;
    }

    /// <summary>A contiguous copy converted to dtype (a copy even when the dtype is the same).</summary>
    public Tensor Cast(DType dtype)
    {
        var y = Empty(Shape, dtype, Backend);
        Backend.Copy(this, y);
        return y;
    }
}
