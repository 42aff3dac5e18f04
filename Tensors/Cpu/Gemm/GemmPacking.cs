// Packing: copies a block of A (or a panel of B) into the contiguous, zero-padded sliver layout that
// the micro-kernel streams, as in GotoBLAS/BLIS. Packing is where arbitrary strides are absorbed, so
// transposed operands cost the same as plain ones. The source may be stored narrower than the kernel
// computes (bf16 for a float kernel): each element is widened as it is copied (GemmOperand).
// Not the place for blocking decisions (GemmDriver).
using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class GemmPacking<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IGemmKernel<T>
{
    /// <summary>
    /// Packs A[0..mc, 0..pc] into ceil(mc/MR) slivers; sliver s holds, for each p, the MR values
    /// A[s*MR + i, p] (zero past mc), so the kernel reads A with unit stride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<TIn>(T* dst, TIn* a, long rowStride, long colStride, int mc, int pc) where TIn : unmanaged
    {
        int mr = TKernel.MR;
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            TIn* src = a + i0 * rowStride;
            if (rows == mr && rowStride == 1)
            {
                // Column-major A (a transposed operand): each P step is already MR contiguous values.
                for (int p = 0; p < pc; p++)
                {
                    TIn* s = src + p * colStride;
                    for (int i = 0; i < mr; i++)
                    {
                        dst[i] = GemmOperand.Load<TIn, T>(s + i);
                    }
                    dst += mr;
                }
            }
            else if (rows == mr && colStride == 1 && GemmPackTranspose.Applies<T, TIn>(mr))
            {
                GemmPackTranspose.PackRows6((float*)dst, src, rowStride, pc);
                dst += mr * pc;
            }
            else if (rows == mr && colStride == 1)
            {
                // Row-major A (the common case): MR row streams read in step, each with unit stride.
                for (int p = 0; p < pc; p++)
                {
                    TIn* s = src + p;
                    for (int i = 0; i < mr; i++)
                    {
                        dst[i] = GemmOperand.Load<TIn, T>(s + i * rowStride);
                    }
                    dst += mr;
                }
            }
            else
            {
                for (int p = 0; p < pc; p++)
                {
                    TIn* s = src + p * colStride;
                    int i = 0;
                    for (; i < rows; i++)
                    {
                        dst[i] = GemmOperand.Load<TIn, T>(s + i * rowStride);
                    }
                    for (; i < mr; i++)
                    {
                        dst[i] = T.Zero;
                    }
                    dst += mr;
                }
            }
        }
    }

    /// <summary>
    /// Packs B[0..pc, 0..nc] into ceil(nc/NR) slivers; sliver s holds, for each p, the NR values
    /// B[p, s*NR + j] (zero past nc).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<TIn>(T* dst, TIn* b, long rowStride, long colStride, int pc, int nc) where TIn : unmanaged
    {
        int nr = TKernel.NR;
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            TIn* src = b + j0 * colStride;
            if (cols == nr && colStride == 1)
            {
                // Row-major B: each P step is NR contiguous values; copy them as wide blocks
                // (NR is a JIT-time constant, so a same-type copy unrolls into a few vector moves).
                for (int p = 0; p < pc; p++)
                {
                    GemmOperand.LoadRun(dst, src + p * rowStride, nr);
                    dst += nr;
                }
            }
            else if (cols == nr)
            {
                // Column-major B: walk down each column (unit stride in the source), scatter into the
                // sliver, which is small enough to stay in L1 while it is written.
                for (int j = 0; j < nr; j++)
                {
                    TIn* s = src + j * colStride;
                    T* d = dst + j;
                    for (int p = 0; p < pc; p++)
                    {
                        d[p * nr] = GemmOperand.Load<TIn, T>(s + p * rowStride);
                    }
                }
                dst += pc * nr;
            }
            else
            {
                for (int p = 0; p < pc; p++)
                {
                    TIn* s = src + p * rowStride;
                    int j = 0;
                    for (; j < cols; j++)
                    {
                        dst[j] = GemmOperand.Load<TIn, T>(s + j * colStride);
                    }
                    for (; j < nr; j++)
                    {
                        dst[j] = T.Zero;
                    }
                    dst += nr;
                }
            }
        }
    }
}
