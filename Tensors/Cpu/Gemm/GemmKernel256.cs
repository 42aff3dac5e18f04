// Vector256 micro-kernel: a 6 x (2 vectors) tile, i.e. 6x16 for float, 6x8 for double.
// Twelve accumulators + two B vectors + one broadcast A value fill 15 of the 16 ymm registers
// that AVX2 has, the register-blocking BLIS uses on Haswell/Zen. Not tuned for AVX-512 (see GemmKernel512).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using X86 = System.Runtime.Intrinsics.X86;

namespace MoeFromScratch.Tensors.Cpu;

internal readonly unsafe struct GemmKernel256<T> : IGemmKernel<T> where T : unmanaged, INumber<T>
{
    public static int MR => 6;

    public static int NR => 2 * Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MulAdd(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        // typeof(T) tests are JIT-time constants, so each instantiation keeps one branch.
        if (X86.Fma.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                return X86.Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
            }
            if (typeof(T) == typeof(double))
            {
                return X86.Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
            }
        }
        return x * y + acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, long ldc, bool accumulate)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;

        // The C tile is written once at the end; start fetching it now so that miss overlaps the k loop.
        Prefetch(c, ldc, w);

        Vector256<T> b0, b1, ai;
        int p = 0;
        // Unrolled by four: the loop counter and pointer bumps are then a small share of the issue slots.
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector256.LoadAligned(b + 0 * 2 * w);
            b1 = Vector256.LoadAligned(b + 0 * 2 * w + w);
            ai = Vector256.Create(a[0 * 6 + 0]);
            c00 = MulAdd(ai, b0, c00);
            c01 = MulAdd(ai, b1, c01);
            ai = Vector256.Create(a[0 * 6 + 1]);
            c10 = MulAdd(ai, b0, c10);
            c11 = MulAdd(ai, b1, c11);
            ai = Vector256.Create(a[0 * 6 + 2]);
            c20 = MulAdd(ai, b0, c20);
            c21 = MulAdd(ai, b1, c21);
            ai = Vector256.Create(a[0 * 6 + 3]);
            c30 = MulAdd(ai, b0, c30);
            c31 = MulAdd(ai, b1, c31);
            ai = Vector256.Create(a[0 * 6 + 4]);
            c40 = MulAdd(ai, b0, c40);
            c41 = MulAdd(ai, b1, c41);
            ai = Vector256.Create(a[0 * 6 + 5]);
            c50 = MulAdd(ai, b0, c50);
            c51 = MulAdd(ai, b1, c51);
            b0 = Vector256.LoadAligned(b + 1 * 2 * w);
            b1 = Vector256.LoadAligned(b + 1 * 2 * w + w);
            ai = Vector256.Create(a[1 * 6 + 0]);
            c00 = MulAdd(ai, b0, c00);
            c01 = MulAdd(ai, b1, c01);
            ai = Vector256.Create(a[1 * 6 + 1]);
            c10 = MulAdd(ai, b0, c10);
            c11 = MulAdd(ai, b1, c11);
            ai = Vector256.Create(a[1 * 6 + 2]);
            c20 = MulAdd(ai, b0, c20);
            c21 = MulAdd(ai, b1, c21);
            ai = Vector256.Create(a[1 * 6 + 3]);
            c30 = MulAdd(ai, b0, c30);
            c31 = MulAdd(ai, b1, c31);
            ai = Vector256.Create(a[1 * 6 + 4]);
            c40 = MulAdd(ai, b0, c40);
            c41 = MulAdd(ai, b1, c41);
            ai = Vector256.Create(a[1 * 6 + 5]);
            c50 = MulAdd(ai, b0, c50);
            c51 = MulAdd(ai, b1, c51);
            b0 = Vector256.LoadAligned(b + 2 * 2 * w);
            b1 = Vector256.LoadAligned(b + 2 * 2 * w + w);
            ai = Vector256.Create(a[2 * 6 + 0]);
            c00 = MulAdd(ai, b0, c00);
            c01 = MulAdd(ai, b1, c01);
            ai = Vector256.Create(a[2 * 6 + 1]);
            c10 = MulAdd(ai, b0, c10);
            c11 = MulAdd(ai, b1, c11);
            ai = Vector256.Create(a[2 * 6 + 2]);
            c20 = MulAdd(ai, b0, c20);
            c21 = MulAdd(ai, b1, c21);
            ai = Vector256.Create(a[2 * 6 + 3]);
            c30 = MulAdd(ai, b0, c30);
            c31 = MulAdd(ai, b1, c31);
            ai = Vector256.Create(a[2 * 6 + 4]);
            c40 = MulAdd(ai, b0, c40);
            c41 = MulAdd(ai, b1, c41);
            ai = Vector256.Create(a[2 * 6 + 5]);
            c50 = MulAdd(ai, b0, c50);
            c51 = MulAdd(ai, b1, c51);
            b0 = Vector256.LoadAligned(b + 3 * 2 * w);
            b1 = Vector256.LoadAligned(b + 3 * 2 * w + w);
            ai = Vector256.Create(a[3 * 6 + 0]);
            c00 = MulAdd(ai, b0, c00);
            c01 = MulAdd(ai, b1, c01);
            ai = Vector256.Create(a[3 * 6 + 1]);
            c10 = MulAdd(ai, b0, c10);
            c11 = MulAdd(ai, b1, c11);
            ai = Vector256.Create(a[3 * 6 + 2]);
            c20 = MulAdd(ai, b0, c20);
            c21 = MulAdd(ai, b1, c21);
            ai = Vector256.Create(a[3 * 6 + 3]);
            c30 = MulAdd(ai, b0, c30);
            c31 = MulAdd(ai, b1, c31);
            ai = Vector256.Create(a[3 * 6 + 4]);
            c40 = MulAdd(ai, b0, c40);
            c41 = MulAdd(ai, b1, c41);
            ai = Vector256.Create(a[3 * 6 + 5]);
            c50 = MulAdd(ai, b0, c50);
            c51 = MulAdd(ai, b1, c51);
            a += 4 * 6;
            b += 4 * 2 * w;
        }
        for (; p < kc; p++)
        {
            b0 = Vector256.LoadAligned(b + 0 * 2 * w);
            b1 = Vector256.LoadAligned(b + 0 * 2 * w + w);
            ai = Vector256.Create(a[0 * 6 + 0]);
            c00 = MulAdd(ai, b0, c00);
            c01 = MulAdd(ai, b1, c01);
            ai = Vector256.Create(a[0 * 6 + 1]);
            c10 = MulAdd(ai, b0, c10);
            c11 = MulAdd(ai, b1, c11);
            ai = Vector256.Create(a[0 * 6 + 2]);
            c20 = MulAdd(ai, b0, c20);
            c21 = MulAdd(ai, b1, c21);
            ai = Vector256.Create(a[0 * 6 + 3]);
            c30 = MulAdd(ai, b0, c30);
            c31 = MulAdd(ai, b1, c31);
            ai = Vector256.Create(a[0 * 6 + 4]);
            c40 = MulAdd(ai, b0, c40);
            c41 = MulAdd(ai, b1, c41);
            ai = Vector256.Create(a[0 * 6 + 5]);
            c50 = MulAdd(ai, b0, c50);
            c51 = MulAdd(ai, b1, c51);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(T* c, long ldc, int w)
    {
        if (X86.Sse.IsSupported)
        {
            for (int i = 0; i < 6; i++)
            {
                // First and last element: an unaligned row of the tile can straddle two cache lines.
                X86.Sse.Prefetch0(c + i * ldc);
                X86.Sse.Prefetch0(c + i * ldc + 2 * w - 1);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* row, int w, Vector256<T> lo, Vector256<T> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo += Vector256.Load(row);
            hi += Vector256.Load(row + w);
        }
        lo.Store(row);
        hi.Store(row + w);
    }
}
