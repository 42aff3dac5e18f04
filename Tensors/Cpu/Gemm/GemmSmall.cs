// The direct path for small multiplies: no packing, no blocking, no threads, so tiny shapes (the
// bulk of calls in a small model's backward pass) do not pay set-up costs that only pay off at scale.
// Vectorised along rows of C when B rows are contiguous; a plain strided dot product otherwise.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class GemmSmall<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(int m, int n, int P, T* a, long ars, long acs, T* b, long brs, long bcs, T* c, long ldc, bool accumulate)
    {
        int w = Vector<T>.Count;
        for (int i = 0; i < m; i++)
        {
            T* crow = c + i * ldc;
            T* arow = a + i * ars;
            if (bcs == 1)
            {
                if (!accumulate)
                {
                    new Span<T>(crow, n).Clear();
                }
                for (int p = 0; p < P; p++)
                {
                    T aip = arow[p * acs];
                    var av = new Vector<T>(aip);
                    T* brow = b + p * brs;
                    int j = 0;
                    for (; j <= n - w; j += w)
                    {
                        Vector.Store(Vector.Load(crow + j) + av * Vector.Load(brow + j), crow + j);
                    }
                    for (; j < n; j++)
                    {
                        crow[j] += aip * brow[j];
                    }
                }
            }
            else
            {
                for (int j = 0; j < n; j++)
                {
                    T* bcol = b + j * bcs;
                    T sum = T.Zero;
                    for (int p = 0; p < P; p++)
                    {
                        sum += arow[p * acs] * bcol[p * brs];
                    }
                    crow[j] = accumulate ? crow[j] + sum : sum;
                }
            }
        }
    }
}
