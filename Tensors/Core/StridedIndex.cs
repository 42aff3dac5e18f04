// StridedIndex: walks a shape's multi-indices in row-major order and turns a multi-index into an
// element offset through a tensor's strides (offset = Offset + Σ_d index[d]·stride[d]).
// This is the one loop every strided kernel shares; the reference backend is written with it and
// the CPU backend may use it for its slow paths. It is deliberately not fast: no blocking, no
// vectorisation, one multi-index step per element.
namespace MoeFromScratch.Tensors;

public static class StridedIndex
{
    /// <summary>
    /// Every multi-index of shape in row-major order (the last axis moves fastest). The same array
    /// is yielded each time and updated in place: copy it to keep it. A shape with a 0-size axis
    /// yields nothing; a scalar (rank 0) yields one empty index.
    /// </summary>
    public static IEnumerable<int[]> Over(int[] shape)
    {
        if (Shape.Numel(shape) == 0) yield break;
        var index = new int[shape.Length];
        do yield return index;
        while (Increment(index, shape));
    }

    /// <summary>Steps index to the next one in row-major order; false after the last (index wraps to 0).</summary>
    public static bool Increment(Span<int> index, ReadOnlySpan<int> shape)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (++index[d] < shape[d]) return true;
            index[d] = 0;
        }
        return false;
    }

    /// <summary>Position of tensor[index] inside its storage.</summary>
    public static long OffsetOf(Tensor tensor, ReadOnlySpan<int> index)
    {
        long offset = tensor.Offset;
        for (int d = 0; d < index.Length; d++) offset += index[d] * tensor.Strides[d];
        return offset;
    }

    /// <summary>A copy of index with one axis set to value: the element "along axis" that kernels visit.</summary>
    public static int[] With(int[] index, int axis, int value)
    {
        var result = (int[])index.Clone();
        result[axis] = value;
        return result;
    }
}
