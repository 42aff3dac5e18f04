// CpuBackend, matrix products on top of the packed GEMM (Tensors/Cpu/Gemm):
//   MatMul                   c[b] = a[b] @ b[b]       (B, M, K) @ (B, K, N) -> (B, M, N)
//   GroupedMatMul            y[rows of g] = x[rows of g] @ w[g]           (MoE experts, forward)
//   GroupedMatMulWeightGrad  dw[g] = x[rows of g]ᵀ @ dy[rows of g]        (MoE experts, weight grad)
// Strides go straight to the GEMM: a transposed operand (or a broadcast batch, stride 0) is never
// copied, and a transposed A for the weight gradient is just swapped row/column strides.
// A grouped GEMM on the CPU is one GEMM per non-empty group: the groups are large, contiguous
// row ranges, and the GEMM parallelises inside each call.
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

    private static void MatMul<T>(Tensor a, Tensor b, Tensor c) where T : unmanaged, INumber<T>
    {
        const string op = "MatMul";
        int batch = c.Shape[0], m = c.Shape[1], n = c.Shape[2], k = a.Shape[2];
        T* ap = CpuTensor.Data<T>(op, a), bp = CpuTensor.Data<T>(op, b), cp = CpuTensor.Contiguous<T>(op, c);
        for (int i = 0; i < batch; i++)
        {
            Multiply(m, n, k,
                ap + a.Offset + i * a.Strides[0], a.Strides[1], a.Strides[2],
                bp + b.Offset + i * b.Strides[0], b.Strides[1], b.Strides[2],
                cp + (long)i * m * n, n);
        }
    }

    private static void GroupedMatMul<T>(Tensor x, Tensor w, Tensor offsets, Tensor y) where T : unmanaged, INumber<T>
    {
        const string op = "GroupedMatMul";
        int rows = x.Shape[0], k = x.Shape[1], groups = w.Shape[0], n = w.Shape[2];
        using var bounds = new DenseCopy<int>(op, offsets);
        CheckGroupOffsets(op, bounds.Pointer, groups, rows);
        T* xp = CpuTensor.Data<T>(op, x), wp = CpuTensor.Data<T>(op, w), yp = CpuTensor.Contiguous<T>(op, y);
        // Rows before the first group or after the last belong to no expert: they get zeros.
        new Span<T>(yp, bounds.Pointer[0] * n).Clear();
        new Span<T>(yp + (long)bounds.Pointer[groups] * n, (rows - bounds.Pointer[groups]) * n).Clear();
        for (int g = 0; g < groups; g++)
        {
            int first = bounds.Pointer[g], count = bounds.Pointer[g + 1] - first;
            if (count == 0) continue;
            Multiply(count, n, k,
                xp + x.Offset + first * x.Strides[0], x.Strides[0], x.Strides[1],
                wp + w.Offset + g * w.Strides[0], w.Strides[1], w.Strides[2],
                yp + (long)first * n, n);
        }
    }

    private static void GroupedMatMulWeightGrad<T>(Tensor x, Tensor dy, Tensor offsets, Tensor dw) where T : unmanaged, INumber<T>
    {
        const string op = "GroupedMatMulWeightGrad";
        int rows = x.Shape[0], k = x.Shape[1], n = dy.Shape[1], groups = dw.Shape[0];
        using var bounds = new DenseCopy<int>(op, offsets);
        CheckGroupOffsets(op, bounds.Pointer, groups, rows);
        T* xp = CpuTensor.Data<T>(op, x), dyp = CpuTensor.Data<T>(op, dy), dwp = CpuTensor.Contiguous<T>(op, dw);
        for (int g = 0; g < groups; g++)
        {
            int first = bounds.Pointer[g], count = bounds.Pointer[g + 1] - first;
            T* dwg = dwp + (long)g * k * n;
            if (count == 0)
            {
                new Span<T>(dwg, k * n).Clear(); // an expert that saw no tokens gets a zero gradient
                continue;
            }
            // x_gᵀ: element (kk, r) of the transpose is x[first + r, kk] — the strides swap places.
            Multiply(k, n, count,
                xp + x.Offset + first * x.Strides[0], x.Strides[1], x.Strides[0],
                dyp + dy.Offset + first * dy.Strides[0], dy.Strides[0], dy.Strides[1],
                dwg, n);
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
