// CpuBackend, top-k along the last axis: the k largest values of each row, sorted descending,
// with their Int32 indices; equal values keep the lower index first.
//
// MoE routing asks for a few experts out of tens (K ≪ E), so each row is one pass of insertion
// into a sorted list of k — O(E·K) compares, no allocation — rather than a full sort. The list is
// the output row itself. Only a strictly larger value displaces another, and elements arrive in
// index order, so ties resolve to the lower index for free.
// For large k a sort of (value, index) pairs is cheaper and takes over.
// It deliberately is not: a heap (for the k used here a sorted array is faster and simpler).
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Above this k a row is sorted instead of insertion-selected.</summary>
    private const int TopKInsertionLimit = 32;

    public void TopK(Tensor x, int k, Tensor values, Tensor indices)
    {
        if (Bf16Widening.Applies(x, values, indices)) { Bf16Widening.Run("rww", [x, values, indices], (this, k), static (t, s) => s.Item1.TopK(t[0], s.k, t[1], t[2])); return; }
        CpuTensor.ByDType("TopK", x.DType, TopK<float>, TopK<double>, TopK<int>)(x, k, values, indices);
    }

    private static void TopK<T>(Tensor x, int k, Tensor values, Tensor indices) where T : unmanaged, INumber<T>
    {
        const string op = "TopK";
        int length = x.Shape[^1];
        if (k == 0 || values.Numel == 0) return;
        using var xd = new DenseCopy<T>(op, x);
        CpuParallel.For(values.Numel / k, length, new TopKBody<T>(
            xd.Pointer, CpuTensor.Contiguous<T>(op, values), CpuTensor.Contiguous<int>(op, indices), length, k));
    }

    private readonly struct TopKBody<T>(T* x, T* values, int* indices, int length, int k) : IRangeBody where T : unmanaged, INumber<T>
    {
        public void Run(long start, long end)
        {
            for (long n = start; n < end; n++)
            {
                if (k <= TopKInsertionLimit) SelectRow(x + n * length, values + n * k, indices + n * k);
                else SortRow(x + n * length, values + n * k, indices + n * k);
            }
        }

        private void SelectRow(T* row, T* topValues, int* topIndices)
        {
            int filled = 0;
            for (int i = 0; i < length; i++)
            {
                T value = row[i];
                if (filled == k && !(value > topValues[k - 1])) continue;
                // Slide smaller entries down one place and drop value in; equal ones stay above it.
                int p = filled == k ? k - 1 : filled++;
                while (p > 0 && topValues[p - 1] < value)
                {
                    topValues[p] = topValues[p - 1];
                    topIndices[p] = topIndices[p - 1];
                    p--;
                }
                topValues[p] = value;
                topIndices[p] = i;
            }
        }

        private void SortRow(T* row, T* topValues, int* topIndices)
        {
            using var order = new PooledBuffer<int>(length);
            var span = order.Span;
            for (int i = 0; i < length; i++) span[i] = i;
            span.Sort(new Descending(row));
            for (int j = 0; j < k; j++)
            {
                topIndices[j] = span[j];
                topValues[j] = row[span[j]];
            }
        }

        /// <summary>Larger value first; equal values by lower index.</summary>
        private readonly struct Descending(T* row) : IComparer<int>
        {
            public int Compare(int a, int b) =>
                row[a] > row[b] ? -1 : row[a] < row[b] ? 1 : a.CompareTo(b);
        }
    }
}
