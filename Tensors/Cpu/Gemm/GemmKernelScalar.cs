// Scalar micro-kernel: a 4x4 tile in plain arithmetic, for hardware without 256-bit SIMD.
// It keeps the packed-kernel contract so the blocked driver is shared; it is not meant to be fast,
// only correct and no worse than a naive loop.
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

internal readonly unsafe struct GemmKernelScalar<T> : IGemmKernel<T> where T : unmanaged, INumber<T>
{
    public static int MR => 4;

    public static int NR => 4;

    public static void Run(int pc, T* a, T* b, T* c, long ldc, bool accumulate)
    {
        T* acc = stackalloc T[16];
        for (int t = 0; t < 16; t++)
        {
            acc[t] = T.Zero;
        }
        for (int p = 0; p < pc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                T ai = a[i];
                acc[i * 4 + 0] += ai * b[0];
                acc[i * 4 + 1] += ai * b[1];
                acc[i * 4 + 2] += ai * b[2];
                acc[i * 4 + 3] += ai * b[3];
            }
            a += 4;
            b += 4;
        }
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i * 4 + j] : acc[i * 4 + j];
            }
        }
    }
}
