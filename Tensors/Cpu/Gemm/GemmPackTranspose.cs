// The hot case of packing A, vectorised: six row-major rows of float, read eight P steps at a time
// and transposed in registers (the classic AVX 8x8 transpose, rows 6 and 7 being don't-care), so a
// sliver costs 6 loads and 8 stores per 8 P steps instead of 48 scalar gathers. Each 8-wide store
// writes the 6 values of one P step plus 2 don't-care floats that the next store overwrites; the
// last P steps of a sliver are copied one by one so nothing is written past the sliver (another
// thread may be packing the next block). Only float with MR = 6 on AVX; GemmPacking has the loops
// that define the layout and handles everything else.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class GemmPackTranspose
{
    public const int Rows = 6;

    /// <summary>True when <see cref="PackRows6"/> can serve a sliver of MR rows of T.</summary>
    public static bool Applies<T>(int mr) => typeof(T) == typeof(float) && mr == Rows && Avx.IsSupported;

    /// <summary>dst[p * 6 + i] = src[i * rowStride + p] for i &lt; 6, p &lt; pc (row-major, unit column stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackRows6(float* dst, float* src, long rowStride, int pc)
    {
        float* r0 = src, r1 = src + rowStride, r2 = src + 2 * rowStride;
        float* r3 = src + 3 * rowStride, r4 = src + 4 * rowStride, r5 = src + 5 * rowStride;
        int p = 0;
        // The store for step p + 7 ends at 6 (p + 7) + 8 = 6 p + 50, which must stay inside the sliver (6 pc).
        for (; p + 8 < pc; p += 8)
        {
            Vector256<float> a = Avx.LoadVector256(r0 + p), b = Avx.LoadVector256(r1 + p);
            Vector256<float> c = Avx.LoadVector256(r2 + p), d = Avx.LoadVector256(r3 + p);
            Vector256<float> e = Avx.LoadVector256(r4 + p), f = Avx.LoadVector256(r5 + p);
            // Pairs interleaved: ab0 = a0 b0 a1 b1 | a4 b4 a5 b5, ...
            Vector256<float> ab0 = Avx.UnpackLow(a, b), ab1 = Avx.UnpackHigh(a, b);
            Vector256<float> cd0 = Avx.UnpackLow(c, d), cd1 = Avx.UnpackHigh(c, d);
            Vector256<float> ef0 = Avx.UnpackLow(e, f), ef1 = Avx.UnpackHigh(e, f);
            // Quads: q0 = a0 b0 c0 d0 | a4 b4 c4 d4, q1 = a1 b1 c1 d1 | a5 ..., and e/f pairs alongside.
            Vector256<float> q0 = Avx.Shuffle(ab0, cd0, 0x44), q1 = Avx.Shuffle(ab0, cd0, 0xEE);
            Vector256<float> q2 = Avx.Shuffle(ab1, cd1, 0x44), q3 = Avx.Shuffle(ab1, cd1, 0xEE);
            Vector256<float> s0 = Avx.Shuffle(ef0, ef0, 0x44), s1 = Avx.Shuffle(ef0, ef0, 0xEE);
            Vector256<float> s2 = Avx.Shuffle(ef1, ef1, 0x44), s3 = Avx.Shuffle(ef1, ef1, 0xEE);
            // Column p+j = a_j .. f_j: the low 128 bits of q and s for j < 4, the high ones for j >= 4.
            float* o = dst + p * Rows;
            Avx.Store(o + 0 * Rows, Avx.Permute2x128(q0, s0, 0x20));
            Avx.Store(o + 1 * Rows, Avx.Permute2x128(q1, s1, 0x20));
            Avx.Store(o + 2 * Rows, Avx.Permute2x128(q2, s2, 0x20));
            Avx.Store(o + 3 * Rows, Avx.Permute2x128(q3, s3, 0x20));
            Avx.Store(o + 4 * Rows, Avx.Permute2x128(q0, s0, 0x31));
            Avx.Store(o + 5 * Rows, Avx.Permute2x128(q1, s1, 0x31));
            Avx.Store(o + 6 * Rows, Avx.Permute2x128(q2, s2, 0x31));
            Avx.Store(o + 7 * Rows, Avx.Permute2x128(q3, s3, 0x31));
        }
        for (; p < pc; p++)
        {
            float* o = dst + p * Rows;
            o[0] = r0[p];
            o[1] = r1[p];
            o[2] = r2[p];
            o[3] = r3[p];
            o[4] = r4[p];
            o[5] = r5[p];
        }
    }
}
