// DType: the element types a tensor may hold.
// Float32 is the working type everywhere; Float64 exists on the CPU so gradient checks can use
// exact-enough finite differences; Int32 holds indices (top-k, gather, routing). Float16 and
// BFloat16 are storage types: the CPU and reference backends store BFloat16 (Tensors/Core/BFloat16.cs)
// and compute on it in float32 (reference: float64), rounding once on store; Float16 is not stored yet.
namespace MoeFromScratch.Tensors;

public enum DType
{
    Float32,
    Float64,
    Int32,
    Float16,
    BFloat16,
}

public static class DTypeInfo
{
    public static int SizeInBytes(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 => 8,
        DType.Float16 or DType.BFloat16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool IsFloatingPoint(this DType dtype) => dtype != DType.Int32;

    /// <summary>value as a tensor of this dtype would hold it (float32, float16 and bfloat16 round to nearest even, int32 truncates).</summary>
    public static double Round(this DType dtype, double value) => dtype switch
    {
        DType.Float32 => (float)value,
        DType.Int32 => int.CreateTruncating(value),
        DType.Float16 => (double)(Half)value,
        DType.BFloat16 => (double)BFloat16.FromDouble(value),
        _ => value,
    };

    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        _ => dtype.ToString(),
    };
}
