// The small-multiply path for bf16 operands: widen A and B (at most the small threshold's worth of
// elements, so a few hundred KB) into dense float copies and run the float direct loop on them.
// The copies cost O(mP + Pn) next to the loop's O(mnP); below the threshold nothing is packed, so
// there is no packing step to widen in. Bitwise the float path on widened operands, like the blocked one.
using System.Buffers;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class GemmSmallWidened
{
    public static void Multiply(int m, int n, int P, BFloat16* a, long ars, long acs, BFloat16* b, long brs, long bcs, float* c, long ldc, bool accumulate)
    {
        // The direct loop's summation order depends on whether B's rows are unit-stride (bcs == 1), so
        // the copy of B keeps that: row-major if it was, else column-major with a leading dimension
        // of at least 2. A is read one element at a time in any layout: row-major it is.
        long wideBcs = bcs == 1 ? 1 : Math.Max(P, 2), wideBrs = bcs == 1 ? n : 1;
        float[] wideA = ArrayPool<float>.Shared.Rent(m * P), wideB = ArrayPool<float>.Shared.Rent((int)(n * Math.Max(P, 2)));
        try
        {
            fixed (float* da = wideA, db = wideB)
            {
                Widen(a, ars, acs, m, P, da, P, 1);
                Widen(b, brs, bcs, P, n, db, wideBrs, wideBcs);
                GemmSmall<float>.Multiply(m, n, P, da, P, 1, db, wideBrs, wideBcs, c, ldc, accumulate);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(wideA);
            ArrayPool<float>.Shared.Return(wideB);
        }
    }

    // dst at (dstRowStride, dstColStride) = src (rows, cols) at (rowStride, colStride), widened.
    private static void Widen(BFloat16* src, long rowStride, long colStride, int rows, int cols, float* dst, long dstRowStride, long dstColStride)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                dst[i * dstRowStride + j * dstColStride] = src[i * rowStride + j * colStride].ToSingle();
    }
}
