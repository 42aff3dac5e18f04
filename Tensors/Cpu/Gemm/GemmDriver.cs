// The blocked GEMM driver: the five loops of the BLIS/GotoBLAS algorithm around a micro-kernel
// (jc over NC-wide panels of B, pc over KC-deep slices, pack B, ic over MC-tall blocks of A, pack A,
// then jr/ir over the NR x MR tiles). Single-threaded on a sub-problem; GemmParallel splits the work.
// Not the small-problem path (GemmSmall) and not the dispatch (Gemm).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IGemmKernel<T>
{
    // Sized in bytes so float and double blocks take the same cache space.
    // KC: one B sliver (KC x NR) plus one A sliver (MR x KC) stay in the 32-48 KiB L1 while the kernel runs.
    // MC: the packed A block (MC x KC) sits in L2 (512 KiB - 2 MiB) and is swept once per B sliver.
    // NC: the packed B panel (KC x NC) lives in L3; large enough that A is re-packed rarely.
    // On a Zen 3 core (32 KiB L1d, 512 KiB L2) a single-thread sweep of KC 128..512 x MC 72..288 put
    // KC 256 with MC 72..144 at the top, within noise of each other; the machine was shared and noisy.
    public static readonly int KC = 256 * 4 / sizeof(T);
    public static readonly int MC = RoundDown(144 * 4 / sizeof(T), TKernel.MR);
    public static readonly int NC = RoundDown(4096, TKernel.NR);

    [ThreadStatic] private static T* t_packA;
    [ThreadStatic] private static T* t_packB;
    [ThreadStatic] private static long t_packBCapacity;

    private static int RoundDown(int x, int multiple) => Math.Max(multiple, x / multiple * multiple);

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Splits over workers when the problem is large enough to amortise the hand-off.</summary>
    public static void Multiply(in GemmJob job)
    {
        int parts = GemmParallel.PartsFor(job.M, job.N, job.K, TKernel.MR, TKernel.NR);
        if (parts <= 1)
        {
            Serial(job.M, job.N, job.K, (T*)job.A, job.ARowStride, job.AColStride, (T*)job.B, job.BRowStride, job.BColStride, (T*)job.C, job.Ldc, job.Accumulate);
            return;
        }
        GemmParallel.Run(&RunPart, job, parts);
    }

    /// <summary>
    /// One worker's share: a contiguous range of C columns (or rows when C is tall), rounded to whole
    /// tiles. Each worker packs its own B range and its own copy of A, so workers never synchronise;
    /// the duplicated A packing is O(m k) against O(m n k / parts) multiply work.
    /// </summary>
    private static void RunPart(GemmJob* job, int part, int parts)
    {
        if (job->N >= job->M)
        {
            int chunk = RoundUp((job->N + parts - 1) / parts, TKernel.NR);
            int j0 = part * chunk;
            int nn = Math.Min(chunk, job->N - j0);
            if (nn > 0)
            {
                Serial(job->M, nn, job->K, (T*)job->A, job->ARowStride, job->AColStride,
                    (T*)job->B + j0 * job->BColStride, job->BRowStride, job->BColStride, (T*)job->C + j0, job->Ldc, job->Accumulate);
            }
        }
        else
        {
            int chunk = RoundUp((job->M + parts - 1) / parts, TKernel.MR);
            int i0 = part * chunk;
            int mm = Math.Min(chunk, job->M - i0);
            if (mm > 0)
            {
                Serial(mm, job->N, job->K, (T*)job->A + i0 * job->ARowStride, job->ARowStride, job->AColStride,
                    (T*)job->B, job->BRowStride, job->BColStride, (T*)job->C + i0 * job->Ldc, job->Ldc, job->Accumulate);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Serial(int m, int n, int k, T* a, long ars, long acs, T* b, long brs, long bcs, T* c, long ldc, bool accumulate)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcMax = Math.Min(KC, k);
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        T* packA = EnsurePackA();
        T* packB = EnsurePackB((long)kcMax * ncMax);
        T* edge = stackalloc T[mr * nr];

        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                // Later k slices add onto what the first one wrote.
                bool acc = accumulate || pc > 0;
                GemmPacking<T, TKernel>.PackB(packB, b + pc * brs + jc * bcs, brs, bcs, kc, nc);
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    GemmPacking<T, TKernel>.PackA(packA, a + ic * ars + pc * acs, ars, acs, mc, kc);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        T* bSliver = packB + (long)jr * kc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            T* aSliver = packA + (long)ir * kc;
                            T* cTile = c + (ic + ir) * ldc + jc + jr;
                            if (rows == mr && cols == nr)
                            {
                                TKernel.Run(kc, aSliver, bSliver, cTile, ldc, acc);
                            }
                            else
                            {
                                // Ragged edge: compute the full padded tile aside, keep the valid part.
                                TKernel.Run(kc, aSliver, bSliver, edge, nr, false);
                                for (int i = 0; i < rows; i++)
                                {
                                    T* dst = cTile + i * ldc;
                                    T* src = edge + i * nr;
                                    for (int j = 0; j < cols; j++)
                                    {
                                        dst[j] = acc ? dst[j] + src[j] : src[j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static T* EnsurePackA()
    {
        if (t_packA == null)
        {
            // Sized for the largest block; one per thread for the thread's lifetime (never freed).
            t_packA = (T*)NativeMemory.AlignedAlloc((nuint)((long)(MC + TKernel.MR) * KC * sizeof(T)), 64);
        }
        return t_packA;
    }

    private static T* EnsurePackB(long elements)
    {
        if (t_packBCapacity < elements)
        {
            NativeMemory.AlignedFree(t_packB);
            // Grow to the full panel at once so steady-state calls never reallocate.
            long capacity = Math.Max(elements, (long)KC * Math.Min(NC, 1024));
            t_packB = (T*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(T)), 64);
            t_packBCapacity = capacity;
        }
        return t_packB;
    }
}
