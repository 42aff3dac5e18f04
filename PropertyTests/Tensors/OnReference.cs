// OnReference: what the Tensor-API properties share. They run on ReferenceBackend so they test the
// API's own logic (shapes, views, broadcasting, composition) independently of any fast kernels,
// against host-side oracles: plain arrays, row-major index arithmetic and LINQ.
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Tensors;

public static class OnReference
{
    public static readonly ReferenceBackend Backend = new();

    /// <summary>Float64 values uniform in [low, high); whole numbers when integers (so ties occur).</summary>
    public static Tensor Rand(int[] shape, int seed, double low = -2, double high = 2, bool integers = false)
    {
        if (!integers) return Tensor.Rand(shape, (ulong)seed, low, high, DType.Float64, Backend);
        using var whole = Tensor.Rand(shape, (ulong)seed, low, high, DType.Int32, Backend);
        return whole.Cast(DType.Float64);
    }

    /// <summary>An axis size in 0..max from FsCheck's raw int (which shrinks toward 0).</summary>
    public static int Size(int raw, int max = 5) => (int)(((long)raw % (max + 1) + max + 1) % (max + 1));

    /// <summary>A shape with rank = min(raw.Length, maxRank), sizes in 0..max (1..max when not allowEmpty).</summary>
    public static int[] ShapeOf(int[]? raw, int maxRank = 4, int max = 5, bool allowEmpty = true) =>
        [.. (raw ?? []).Take(maxRank).Select(r => allowEmpty ? Size(r, max) : 1 + Size(r, max - 1))];

    /// <summary>Row-major flat position of a multi-index.</summary>
    public static long Flat(int[] index, int[] shape)
    {
        long flat = 0;
        for (int d = 0; d < shape.Length; d++) flat = flat * shape[d] + index[d];
        return flat;
    }
}
