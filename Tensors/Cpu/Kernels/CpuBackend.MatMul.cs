// CpuBackend, the batched matrix product on top of the packed GEMM (Tensors/Cpu/Gemm):
//   MatMul                   c[b] = a[b] @ b[b]       (B, M, P) @ (B, P, N) -> (B, M, N)
// Strides go straight to the GEMM: a transposed operand (or a broadcast batch, stride 0) is never
// copied. Threads go where the work is: a large GEMM splits itself across the cores, so big batch
// entries run one after another; small ones (short sequences) are instead spread across the cores
// a whole GEMM at a time — they write disjoint outputs. bf16 operands go to the GEMM as they are
// (widened in its packing step) and a bf16 result is rounded once from a float32 one.
// It deliberately is not: a GEMM (see Gemm.Multiply), nor the MoE grouped GEMMs (CpuBackend.GroupedMatMul.cs).
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void MatMul(Tensor a, Tensor b, Tensor c)
    {
        if (a.DType == DType.BFloat16 && b.DType == DType.BFloat16) { MatMulBf16(a, b, c); return; }
        if (Bf16Widening.Applies(a, b, c)) { Bf16Widening.Run("rrw", [a, b, c], this, static (t, s) => s.MatMul(t[0], t[1], t[2])); return; }
        CpuTensor.ByDType("MatMul", c.DType, MatMul<float, float>, MatMul<double, double>)(a, b, c);
    }

    // bf16 a and b: the GEMM widens them as it packs; a bf16 c is computed in float32 and rounded once.
    private void MatMulBf16(Tensor a, Tensor b, Tensor c)
    {
        if (c.DType != DType.BFloat16)
        {
            MatMul<BFloat16, float>(a, b, c);
            return;
        }
        using var wide = Tensor.Empty(c.Shape, DType.Float32, this);
        MatMul<BFloat16, float>(a, b, wide);
        Copy(wide, c);
    }

    /// <summary>
    /// From this many multiply-adds up, one Gemm call spreads itself over the cores; below it, a
    /// batch is spread instead, one whole GEMM per item.
    /// </summary>
    private const long GemmThreadsItself = 1L << 21;

    /// <summary>Runs items [0, count) of a batch of GEMMs: serially when each GEMM threads itself, else spread.</summary>
    private static void ForEachGemm<TBody>(int count, long workPerGemm, TBody body) where TBody : struct, IRangeBody
    {
        if (workPerGemm >= GemmThreadsItself) body.Run(0, count);
        else CpuParallel.For(count, workPerGemm, body);
    }

    // Operands stored as TIn (T, or bf16 for a float32 c), c as T.
    private static void MatMul<TIn, T>(Tensor a, Tensor b, Tensor c) where TIn : unmanaged where T : unmanaged, INumber<T>
    {
        const string op = "MatMul";
        int batch = c.Shape[0], m = c.Shape[1], n = c.Shape[2], P = a.Shape[2];
        ForEachGemm(batch, (long)m * n * P, new MatMulBody<TIn, T>(
            CpuTensor.Data<TIn>(op, a) + a.Offset, a.Strides, CpuTensor.Data<TIn>(op, b) + b.Offset, b.Strides,
            CpuTensor.Contiguous<T>(op, c), m, n, P));
    }

    private readonly struct MatMulBody<TIn, T>(TIn* a, long[] aStrides, TIn* b, long[] bStrides, T* c, int m, int n, int P) : IRangeBody
        where TIn : unmanaged
        where T : unmanaged, INumber<T>
    {
        public void Run(long start, long end)
        {
            for (long i = start; i < end; i++)
            {
                Multiply(m, n, P,
                    a + i * aStrides[0], aStrides[1], aStrides[2],
                    b + i * bStrides[0], bStrides[1], bStrides[2],
                    c + i * m * n, n);
            }
        }
    }

    /// <summary>c (m, n), row stride ldc, = a (m, P) @ b (P, n) with a and b at any strides.</summary>
    private static void Multiply<TIn, T>(int m, int n, int P, TIn* a, long aRowStride, long aColStride,
        TIn* b, long bRowStride, long bColStride, T* c, long ldc) where TIn : unmanaged where T : unmanaged, INumber<T>
    {
        // Gemm has one overload per operand type: bf16 into float, float, double (checked by the callers' dispatch).
        if (typeof(TIn) == typeof(BFloat16))
            Gemm.Multiply(m, n, P, (BFloat16*)a, aRowStride, aColStride, (BFloat16*)b, bRowStride, bColStride, (float*)c, ldc, accumulate: false);
        else if (typeof(T) == typeof(float))
            Gemm.Multiply(m, n, P, (float*)a, aRowStride, aColStride, (float*)b, bRowStride, bColStride, (float*)c, ldc, accumulate: false);
        else
            Gemm.Multiply(m, n, P, (double*)a, aRowStride, aColStride, (double*)b, bRowStride, bColStride, (double*)c, ldc, accumulate: false);
    }
}
