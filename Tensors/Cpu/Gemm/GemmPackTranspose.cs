// The hot case of packing A, vectorised: six row-major rows of float, read eight P steps at a time
// and transposed in registers (the classic AVX 8x8 transpose, rows 6 and 7 being don't-care), so a
// sliver costs 6 loads and 8 stores per 8 P steps instead of 48 scalar gathers. Each 8-wide store
// writes the 6 values of one P step plus 2 don't-care floats that the next store overwrites; the
// last P steps of a sliver are copied one by one so nothing is written past the sliver (another
// thread may be packing the next block). A bf16 source is widened as its rows are loaded (eight
// 16-bit values zero-extended and shifted into the top half of each float lane). Only a float kernel
// with MR = 6 on AVX (AVX2 for bf16); GemmPacking has the loops that define the layout and handles
// everything else.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class GemmPackTranspose
{
    public const int Rows = 6;

    /// <summary>True when <see cref="PackRows6"/> can serve a sliver of MR rows of T.</summary>
    public static bool Applies<T, TIn>(int mr) => typeof(T) == typeof(float) && mr == Rows &&
        (typeof(TIn) == typeof(float) ? Avx.IsSupported : typeof(TIn) == typeof(BFloat16) && Avx2.IsSupported);

    /// <summary>dst[p * 6 + i] = src[i * rowStride + p] for i &lt; 6, p &lt; pc (row-major, unit column stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackRows6<TIn>(float* dst, TIn* src, long rowStride, int pc) where TIn : unmanaged
    {
        TIn* r0 = src, r1 = src + rowStride, r2 = src + 2 * rowStride;
        TIn* r3 = src + 3 * rowStride, r4 = src + 4 * rowStride, r5 = src + 5 * rowStride;
        int p = 0;
        // The store for step p + 7 ends at 6 (p + 7) + 8 = 6 p + 50, which must stay inside the sliver (6 pc).
        for (; p + 8 < pc; p += 8)
        {
            Vector256<float> a = Load8(r0 + p), b = Load8(r1 + p), c = Load8(r2 + p);
            Vector256<float> d = Load8(r3 + p), e = Load8(r4 + p), f = Load8(r5 + p);
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
            o[0] = GemmOperand.Load<TIn, float>(r0 + p);
            o[1] = GemmOperand.Load<TIn, float>(r1 + p);
            o[2] = GemmOperand.Load<TIn, float>(r2 + p);
            o[3] = GemmOperand.Load<TIn, float>(r3 + p);
            o[4] = GemmOperand.Load<TIn, float>(r4 + p);
            o[5] = GemmOperand.Load<TIn, float>(r5 + p);
        }
    }

    // Eight consecutive values as floats.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load8<TIn>(TIn* p) where TIn : unmanaged =>
        typeof(TIn) == typeof(float)
            ? Avx.LoadVector256((float*)p)
            : Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)p), 16).AsSingle();
}
