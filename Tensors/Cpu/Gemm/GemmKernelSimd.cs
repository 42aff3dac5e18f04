// The SIMD micro-kernel: a 6 x (2 vectors) tile of C, i.e. 6x16 floats with Vector256 and 6x32 with
// Vector512 (6x8 and 6x16 doubles). Twelve accumulators, two B vectors and one broadcast A value:
// 15 of AVX2's 16 ymm registers, the register blocking BLIS uses on Haswell/Zen; with zmm, the same
// tile. The P loop is unrolled by four (the counter and pointer bumps are then a small share of the
// issue slots) and the C tile is prefetched first (GemmTile.Prefetch). Written once over
// IGemmVectorOps; measured per width in docs/performance.md. A 14x32 tile using all 32 zmm registers
// was not tried: at 512^3-2048^3 this one is within 5% of OpenBLAS's AVX-512 kernel on one core.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoeFromScratch.Tensors.Cpu;

internal readonly unsafe struct GemmKernelSimd<T, TVector, TOps> : IGemmKernel<T>
    where T : unmanaged, INumber<T>
    where TVector : struct
    where TOps : struct, IGemmVectorOps<T, TVector>
{
    public static int MR => 6;

    public static int NR => 2 * TOps.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int pc, T* a, T* b, T* c, long ldc, bool accumulate)
    {
        int w = TOps.Count;
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVector c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;

        GemmTile.Prefetch(c, ldc, MR, 2 * w);

        int p = 0;
        for (; p <= pc - 4; p += 4)
        {
            Step(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + 6, b + 2 * w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + 12, b + 4 * w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + 18, b + 6 * w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += 4 * 6;
            b += 4 * 2 * w;
        }
        for (; p < pc; p++)
        {
            Step(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += 6;
            b += 2 * w;
        }

        StoreRow(c, w, c00, c01, accumulate);
        StoreRow(c + ldc, w, c10, c11, accumulate);
        StoreRow(c + 2 * ldc, w, c20, c21, accumulate);
        StoreRow(c + 3 * ldc, w, c30, c31, accumulate);
        StoreRow(c + 4 * ldc, w, c40, c41, accumulate);
        StoreRow(c + 5 * ldc, w, c50, c51, accumulate);
    }

    // One P step: the tile (+)= a[0..6] (outer) b[0..NR], one Row per row of the tile.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(T* a, T* b,
        ref TVector c00, ref TVector c01, ref TVector c10, ref TVector c11,
        ref TVector c20, ref TVector c21, ref TVector c30, ref TVector c31,
        ref TVector c40, ref TVector c41, ref TVector c50, ref TVector c51)
    {
        TVector b0 = TOps.LoadAligned(b);
        TVector b1 = TOps.LoadAligned(b + TOps.Count);
        Row(a[0], b0, b1, ref c00, ref c01);
        Row(a[1], b0, b1, ref c10, ref c11);
        Row(a[2], b0, b1, ref c20, ref c21);
        Row(a[3], b0, b1, ref c30, ref c31);
        Row(a[4], b0, b1, ref c40, ref c41);
        Row(a[5], b0, b1, ref c50, ref c51);
    }

    // One row of the tile: (lo, hi) += a_i * (b0, b1), a_i broadcast.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(T ai, TVector b0, TVector b1, ref TVector lo, ref TVector hi)
    {
        TVector x = TOps.Broadcast(ai);
        lo = TOps.MulAdd(x, b0, lo);
        hi = TOps.MulAdd(x, b1, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* row, int w, TVector lo, TVector hi, bool accumulate)
    {
        if (accumulate)
        {
            lo = TOps.Add(lo, TOps.Load(row));
            hi = TOps.Add(hi, TOps.Load(row + w));
        }
        TOps.Store(row, lo);
        TOps.Store(row + w, hi);
    }
}
