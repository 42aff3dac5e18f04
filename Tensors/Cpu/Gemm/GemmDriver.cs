// The blocked GEMM driver: the five loops of the BLIS/GotoBLAS algorithm around a micro-kernel
// (jc over NC-wide panels of B, p0 over PC-deep slices, pack B, ic over MC-tall blocks of A, pack A,
// then jr/ir over the NR x MR tiles). Single-threaded on a sub-problem; the parallel split, with its
// operand packed once and shared, is in GemmDriverParallel.cs. Not the small-problem path (GemmSmall)
// and not the dispatch (Gemm).
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe partial class GemmDriver<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IGemmKernel<T>
{
    // The cache blocks, from this host's caches (GemmBlocking.cs says how and why):
    // PC deep slices keep a B sliver in L1, MC tall blocks of A in L2, NC wide panels of B in L3.
    public static readonly GemmBlocking Blocking = GemmBlocking.ForThisHost(sizeof(T), TKernel.MR, TKernel.NR);
    public static readonly int PC = Blocking.PC;
    public static readonly int MC = Blocking.MC;
    public static readonly int NC = Blocking.NC;

    [ThreadStatic] private static T* t_packA;
    [ThreadStatic] private static T* t_packB;
    [ThreadStatic] private static long t_packBCapacity;

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Serial<TIn>(int m, int n, int P, TIn* a, long ars, long acs, TIn* b, long brs, long bcs, T* c, long ldc, bool accumulate)
        where TIn : unmanaged
        => Serial(m, n, P, a, ars, acs, b, brs, bcs, c, ldc, accumulate, default, default);

    /// <summary>
    /// The five loops. An operand given as <paramref name="packedA"/> / <paramref name="packedB"/> was
    /// packed beforehand (shared by the parallel parts) and is read from there instead of being packed.
    /// A and B are stored as TIn (T, or bf16 for a float kernel: GemmOperand); C is always T.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Serial<TIn>(int m, int n, int P, TIn* a, long ars, long acs, TIn* b, long brs, long bcs, T* c, long ldc, bool accumulate,
        PrePacked packedA, PrePacked packedB) where TIn : unmanaged
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int pcMax = Math.Min(PC, P);
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        T* packA = packedA.IsEmpty ? EnsurePackA() : null;
        T* packB = packedB.IsEmpty ? EnsurePackB((long)pcMax * ncMax) : null;
        T* edge = stackalloc T[mr * nr];

        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int p0 = 0; p0 < P; p0 += PC)
            {
                int pc = Math.Min(PC, P - p0);
                // Later P slices add onto what the first one wrote.
                bool acc = accumulate || p0 > 0;
                // Pack this slice of B, unless the caller packed it already (shared by parallel parts).
                T* panelB = packedB.IsEmpty ? packB : packedB.At(p0 / PC, pc, jc);
                if (packedB.IsEmpty) GemmPacking<T, TKernel>.PackB(packB, b + p0 * brs + jc * bcs, brs, bcs, pc, nc);
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    T* blockA = packedA.IsEmpty ? packA : packedA.At(p0 / PC, pc, ic);
                    if (packedA.IsEmpty) GemmPacking<T, TKernel>.PackA(packA, a + ic * ars + p0 * acs, ars, acs, mc, pc);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        T* bSliver = panelB + (long)jr * pc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            T* aSliver = blockA + (long)ir * pc;
                            T* cTile = c + (ic + ir) * ldc + jc + jr;
                            if (rows == mr && cols == nr)
                            {
                                TKernel.Run(pc, aSliver, bSliver, cTile, ldc, acc);
                            }
                            else
                            {
                                // Ragged edge: compute the full padded tile aside, keep the valid part.
                                TKernel.Run(pc, aSliver, bSliver, edge, nr, false);
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

    /// <summary>
    /// An operand packed ahead of the loops: PC-deep slices SliceStride elements apart, each holding the
    /// operand's slivers in order, so the block starting at row (or column) index sits at
    /// Base + slice * SliceStride + index * pc. Default (null Base) means "pack it yourself".
    /// </summary>
    internal readonly struct PrePacked(T* @base, long sliceStride)
    {
        private readonly T* _base = @base;
        private readonly long _sliceStride = sliceStride;

        public bool IsEmpty => _base == null;

        public T* At(int slice, int pc, int index) => _base + slice * _sliceStride + (long)index * pc;
    }

    private static T* EnsurePackA()
    {
        if (t_packA == null)
        {
            // Sized for the largest block; one per thread for the thread's lifetime (never freed).
            t_packA = (T*)NativeMemory.AlignedAlloc((nuint)((long)(MC + TKernel.MR) * PC * sizeof(T)), 64);
        }
        return t_packA;
    }

    private static T* EnsurePackB(long elements)
    {
        if (t_packBCapacity < elements)
        {
            NativeMemory.AlignedFree(t_packB);
            // Grow to the full panel at once so steady-state calls never reallocate.
            long capacity = Math.Max(elements, (long)PC * Math.Min(NC, 1024));
            t_packB = (T*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(T)), 64);
            t_packBCapacity = capacity;
        }
        return t_packB;
    }
}
