// CpuBackend, matrix products on top of the packed GEMM (Tensors/Cpu/Gemm):
//   MatMul                   c[b] = a[b] @ b[b]       (B, M, K) @ (B, K, N) -> (B, M, N)
//   GroupedMatMul            y[rows of g] = x[rows of g] @ w[g]           (MoE experts, forward)
//   GroupedMatMulWeightGrad  dw[g] = x[rows of g]ᵀ @ dy[rows of g]        (MoE experts, weight grad)
// Strides go straight to the GEMM: a transposed operand (or a broadcast batch, stride 0) is never
// copied, and a transposed A for the weight gradient is just swapped row/column strides.
// A grouped GEMM on the CPU is one GEMM per non-empty group (groups are contiguous row ranges).
// Threads go where the work is: a large GEMM splits itself across the cores, so big batches and
// groups run one after another; small ones (short sequences, experts with few tokens) are instead
// spread across the cores a whole GEMM at a time — they write disjoint outputs.
// It deliberately is not: a GEMM (see Gemm.Multiply), nor a batched-GEMM scheduler.
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void MatMul(Tensor a, Tensor b, Tensor c)
    {
        switch (c.DType)
        {
            case DType.Float32: MatMul<float>(a, b, c); break;
            case DType.Float64: MatMul<double>(a, b, c); break;
            default: throw CpuTensor.Unsupported("MatMul", c.DType);
        }
    }

    public void GroupedMatMul(Tensor x, Tensor w, Tensor offsets, Tensor y)
    {
        switch (x.DType)
        {
            case DType.Float32: GroupedMatMul<float>(x, w, offsets, y); break;
            case DType.Float64: GroupedMatMul<double>(x, w, offsets, y); break;
            default: throw CpuTensor.Unsupported("GroupedMatMul", x.DType);
        }
    }

    public void GroupedMatMulWeightGrad(Tensor x, Tensor dy, Tensor offsets, Tensor dw)
    {
        switch (x.DType)
        {
            case DType.Float32: GroupedMatMulWeightGrad<float>(x, dy, offsets, dw); break;
            case DType.Float64: GroupedMatMulWeightGrad<double>(x, dy, offsets, dw); break;
            default: throw CpuTensor.Unsupported("GroupedMatMulWeightGrad", x.DType);
        }
    }

    /// <summary>
    /// From this many multiply-adds up, one Gemm call spreads itself over the cores; below it, a
    /// batch or a set of groups is spread instead, one whole GEMM per item.
    /// </summary>
    private const long GemmThreadsItself = 1L << 21;

    /// <summary>Runs items [0, count) of a batch of GEMMs: serially when each GEMM threads itself, else spread.</summary>
    private static void ForEachGemm<TBody>(int count, long workPerGemm, TBody body) where TBody : struct, IRangeBody
    {
        if (workPerGemm >= GemmThreadsItself) body.Run(0, count);
        else CpuParallel.For(count, workPerGemm, body);
    }

    private static void MatMul<T>(Tensor a, Tensor b, Tensor c) where T : unmanaged, INumber<T>
    {
        const string op = "MatMul";
        int batch = c.Shape[0], m = c.Shape[1], n = c.Shape[2], k = a.Shape[2];
        ForEachGemm(batch, (long)m * n * k, new MatMulBody<T>(
            CpuTensor.Data<T>(op, a) + a.Offset, a.Strides, CpuTensor.Data<T>(op, b) + b.Offset, b.Strides,
            CpuTensor.Contiguous<T>(op, c), m, n, k));
    }

    private readonly struct MatMulBody<T>(T* a, long[] aStrides, T* b, long[] bStrides, T* c, int m, int n, int k) : IRangeBody
        where T : unmanaged, INumber<T>
    {
        public void Run(long start, long end)
        {
            for (long i = start; i < end; i++)
            {
                Multiply(m, n, k,
                    a + i * aStrides[0], aStrides[1], aStrides[2],
                    b + i * bStrides[0], bStrides[1], bStrides[2],
                    c + i * m * n, n);
            }
        }
    }

    private static void GroupedMatMul<T>(Tensor x, Tensor w, Tensor offsets, Tensor y) where T : unmanaged, INumber<T>
    {
        const string op = "GroupedMatMul";
        int rows = x.Shape[0], k = x.Shape[1], groups = w.Shape[0], n = w.Shape[2];
        using var bounds = new DenseCopy<int>(op, offsets);
        CheckGroupOffsets(op, bounds.Pointer, groups, rows);
        T* yp = CpuTensor.Contiguous<T>(op, y);
        // Rows before the first group or after the last belong to no expert: they get zeros.
        new Span<T>(yp, bounds.Pointer[0] * n).Clear();
        new Span<T>(yp + (long)bounds.Pointer[groups] * n, (rows - bounds.Pointer[groups]) * n).Clear();
        ForEachGemm(groups, (long)rows * k * n / Math.Max(groups, 1), new GroupedBody<T>(
            CpuTensor.Data<T>(op, x) + x.Offset, x.Strides, CpuTensor.Data<T>(op, w) + w.Offset, w.Strides, yp, bounds.Pointer, k, n));
    }

    /// <summary>Group g: y[rows of g] = x[rows of g] @ w[g]; groups own disjoint rows, so they may run at once.</summary>
    private readonly struct GroupedBody<T>(T* x, long[] xStrides, T* w, long[] wStrides, T* y, int* offsets, int k, int n) : IRangeBody
        where T : unmanaged, INumber<T>
    {
        public void Run(long start, long end)
        {
            for (long g = start; g < end; g++)
            {
                int first = offsets[g], count = offsets[g + 1] - first;
                if (count == 0) continue;
                Multiply(count, n, k,
                    x + first * xStrides[0], xStrides[0], xStrides[1],
                    w + g * wStrides[0], wStrides[1], wStrides[2],
                    y + (long)first * n, n);
            }
        }
    }

    private static void GroupedMatMulWeightGrad<T>(Tensor x, Tensor dy, Tensor offsets, Tensor dw) where T : unmanaged, INumber<T>
    {
        const string op = "GroupedMatMulWeightGrad";
        int rows = x.Shape[0], k = x.Shape[1], n = dy.Shape[1], groups = dw.Shape[0];
        using var bounds = new DenseCopy<int>(op, offsets);
        CheckGroupOffsets(op, bounds.Pointer, groups, rows);
        ForEachGemm(groups, (long)rows * k * n / Math.Max(groups, 1), new WeightGradBody<T>(
            CpuTensor.Data<T>(op, x) + x.Offset, x.Strides, CpuTensor.Data<T>(op, dy) + dy.Offset, dy.Strides,
            CpuTensor.Contiguous<T>(op, dw), bounds.Pointer, k, n));
    }

    /// <summary>Group g: dw[g] = x[rows of g]ᵀ @ dy[rows of g], or zeros for a group with no rows.</summary>
    private readonly struct WeightGradBody<T>(T* x, long[] xStrides, T* dy, long[] dyStrides, T* dw, int* offsets, int k, int n) : IRangeBody
        where T : unmanaged, INumber<T>
    {
        public void Run(long start, long end)
        {
            for (long g = start; g < end; g++)
            {
                int first = offsets[g], count = offsets[g + 1] - first;
                T* dwg = dw + g * k * n;
                if (count == 0)
                {
                    new Span<T>(dwg, k * n).Clear(); // an expert that saw no tokens gets a zero gradient
                    continue;
                }
                // x_gᵀ: element (kk, r) of the transpose is x[first + r, kk] — the strides swap places.
                Multiply(k, n, count,
                    x + first * xStrides[0], xStrides[1], xStrides[0],
                    dy + first * dyStrides[0], dyStrides[0], dyStrides[1],
                    dwg, n);
            }
        }
    }

    /// <summary>offsets must rise from within [0, rows]: group g owns rows offsets[g]..offsets[g+1].</summary>
    private static void CheckGroupOffsets(string op, int* offsets, int groups, int rows)
    {
        for (int g = 0; g <= groups; g++)
        {
            int bound = offsets[g];
            if (bound < 0 || bound > rows || (g > 0 && bound < offsets[g - 1]))
                throw new ArgumentException($"{op}: offsets[{g}] = {bound} is out of range: offsets must be non-decreasing within [0, {rows}] for axis 0 of size {rows}");
        }
    }

    /// <summary>c (m, n), row stride ldc, = a (m, k) @ b (k, n) with a and b at any strides.</summary>
    private static void Multiply<T>(int m, int n, int k, T* a, long aRowStride, long aColStride,
        T* b, long bRowStride, long bColStride, T* c, long ldc) where T : unmanaged, INumber<T>
    {
        // Gemm has one overload per element type; T is float or double here (checked by the callers' dispatch).
        if (typeof(T) == typeof(float))
            Gemm.Multiply(m, n, k, (float*)a, aRowStride, aColStride, (float*)b, bRowStride, bColStride, (float*)c, ldc, accumulate: false);
        else
            Gemm.Multiply(m, n, k, (double*)a, aRowStride, aColStride, (double*)b, bRowStride, bColStride, (double*)c, ldc, accumulate: false);
    }
}
