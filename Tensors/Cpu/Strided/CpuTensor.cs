// CpuTensor: raw access to a CPU tensor's elements for the kernels — a pointer to its storage (or
// to its first element when it must be contiguous), layouts and bases built from tensors, and the
// checks that make those safe (right backend, right dtype).
//
// Pointers are stable because a CpuStorage is one native block that never moves (until the storage
// is released). Kernels add each tensor's Offset (usually through a layout's bases) and walk with
// its strides.
// It deliberately is not: a view type; Tensor already is one.
namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class CpuTensor
{
    /// <summary>Element 0 of the tensor's storage (not of the tensor: add Offset).</summary>
    public static T* Data<T>(string op, Tensor t) where T : unmanaged
    {
        if (t.Storage is not CpuStorage storage)
            throw new ArgumentException($"{op}: tensor {Shape.Format(t.Shape)} is on {t.Backend.Name}, not cpu");
        var expected = DTypeOf<T>();
        if (t.DType != expected)
            throw new ArgumentException($"{op}: tensor {Shape.Format(t.Shape)} holds {t.DType.Name()}, the kernel expected {expected.Name()}");
        return storage.Pointer<T>();
    }

    /// <summary>Pointer to element [0, 0, ...] of a tensor that must be contiguous (kernel outputs).</summary>
    public static T* Contiguous<T>(string op, Tensor t) where T : unmanaged
    {
        // An empty tensor has nothing to lay out (Tensor.IsContiguous says no for some empty shapes).
        if (!t.IsContiguous && t.Numel != 0)
            throw new ArgumentException($"{op}: tensor {Shape.Format(t.Shape)} must be contiguous");
        return Data<T>(op, t) + t.Offset;
    }

    public static DType DTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(BFloat16)) return DType.BFloat16;
        throw new NotSupportedException($"cpu: element type {typeof(T).Name} is not a CPU dtype");
    }

    public static NotSupportedException Unsupported(string op, DType dtype) =>
        new($"{op}: the CPU backend does not support {dtype.Name()} here");

    /// <summary>
    /// The one dtype dispatch of the CPU kernels: the body instantiated for this dtype (float32's,
    /// float64's, or int32's where the kernel has one); any other dtype is Unsupported(op). The
    /// bodies are static generic methods, so their delegates are created once and cached.
    /// Use: ByDType("MatMul", c.DType, MatMul&lt;float&gt;, MatMul&lt;double&gt;)(a, b, c).
    /// </summary>
    public static TBody ByDType<TBody>(string op, DType dtype, TBody float32, TBody float64, TBody? int32 = null) where TBody : Delegate =>
        dtype switch
        {
            DType.Float32 => float32,
            DType.Float64 => float64,
            DType.Int32 when int32 is not null => int32,
            _ => throw Unsupported(op, dtype),
        };

    /// <summary>Bases for a layout: each operand's Offset, in the order they were added.</summary>
    public static OperandValues Offsets(params ReadOnlySpan<Tensor> operands)
    {
        OperandValues bases = default;
        for (int k = 0; k < operands.Length; k++) bases[k] = operands[k].Offset;
        return bases;
    }

    /// <summary>A coalesced layout over shape, one operand per strides array (in that order).</summary>
    public static StridedLayout Layout(ReadOnlySpan<int> shape, params ReadOnlySpan<long[]> strides)
    {
        var layout = new StridedLayout(shape);
        foreach (var s in strides) layout.Add(s);
        layout.Coalesce();
        return layout;
    }
}
