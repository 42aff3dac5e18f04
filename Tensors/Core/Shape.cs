// Shape arithmetic shared by every op: element counts, contiguous strides, NumPy broadcasting,
// axis normalisation and readable formatting for error messages.
// Shapes are plain int[] (row-major); strides are in elements, not bytes, and may be 0 (broadcast).
namespace MoeFromScratch.Tensors;

public static class Shape
{
    public static long Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    /// <summary>Row-major strides: the last axis moves fastest.</summary>
    public static long[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <summary>NumPy broadcasting: align on the right; sizes must match or one of them be 1.</summary>
    public static int[] Broadcast(string op, int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ShapeException($"{op}: shapes {Format(a)} and {Format(b)} do not broadcast (axis {i}: {da} vs {db})");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Turns a possibly negative axis into 0..rank-1, or throws naming the op.</summary>
    public static int NormalizeAxis(string op, int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new ShapeException($"{op}: axis {axis} is out of range for a tensor of rank {rank}");
        return a;
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public static string Format(ReadOnlySpan<int> shape) => "(" + string.Join(", ", shape.ToArray()) + ")";
}

/// <summary>A tensor operation was called with shapes it cannot take; the message names op and shapes.</summary>
public sealed class ShapeException(string message) : ArgumentException(message);
