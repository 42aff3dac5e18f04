// AxisCoalescing: the one definition of how a shape walked by several strided operands is
// simplified, used by the CPU kernels' StridedLayout (Cpu/Strided) and the Vulkan layouts pushed to
// shaders (Gpu/Kernels/StridedLayout). Size-1 axes are dropped, and two neighbouring axes merge
// when every operand steps across them as if they were one (stride[outer] == stride[inner] ·
// size[inner]): a contiguous tensor becomes one axis, a broadcast row one axis of stride 0, a
// transposed matrix stays two axes. It never reorders axes (the walk keeps the output's order).
// It works in place on spans so the CPU path allocates nothing.
// Follows: the "dimension coalescing" of PyTorch's TensorIterator and NumPy's nditer.
namespace MoeFromScratch.Tensors;

public static class AxisCoalescing
{
    /// <summary>
    /// sizes[0..rank) is the shared shape; operand o's stride on axis a is strides[o · operandStride + a].
    /// Rewrites both in place and returns the new rank, at least 1 (a scalar is one axis of size 1, stride 0).
    /// </summary>
    public static int Coalesce(Span<long> sizes, Span<long> strides, int rank, int operands, int operandStride)
    {
        int kept = 0;
        for (int axis = 0; axis < rank; axis++)
        {
            if (sizes[axis] == 1) continue;
            if (kept > 0 && CanMerge(sizes, strides, operands, operandStride, kept - 1, axis))
            {
                // The outer axis (kept - 1) folds into this one: the merged axis steps like the inner.
                sizes[kept - 1] *= sizes[axis];
                for (int o = 0; o < operands; o++) strides[o * operandStride + kept - 1] = strides[o * operandStride + axis];
                continue;
            }
            sizes[kept] = sizes[axis];
            for (int o = 0; o < operands; o++) strides[o * operandStride + kept] = strides[o * operandStride + axis];
            kept++;
        }
        if (kept == 0)
        {
            sizes[0] = 1;
            for (int o = 0; o < operands; o++) strides[o * operandStride] = 0;
            kept = 1;
        }
        return kept;
    }

    private static bool CanMerge(Span<long> sizes, Span<long> strides, int operands, int operandStride, int outer, int inner)
    {
        for (int o = 0; o < operands; o++)
            if (strides[o * operandStride + outer] != strides[o * operandStride + inner] * sizes[inner]) return false;
        return true;
    }
}
