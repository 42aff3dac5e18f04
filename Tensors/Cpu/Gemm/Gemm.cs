// Gemm: the public CPU matrix multiply, C (=|+=) A B for float and double with arbitrary strides, and
// for bf16 A and B into a float C (widened as they are packed, GemmOperand.cs).
// This file only validates and dispatches: empty and P == 0 cases, small problems to the direct loop
// (GemmSmall), everything else to the blocked, packed BLIS/GotoBLAS driver (GemmDriver) with the widest
// micro-kernel the hardware accelerates. GemmReference is the specification it is tested against.
using System.Numerics;
using System.Runtime.Intrinsics;

namespace MoeFromScratch.Tensors.Cpu;

public static unsafe class Gemm
{
    /// <summary>Below this many multiply-adds, packing and blocking cost more than they save.</summary>
    internal const long DefaultSmallThreshold = 32 * 1024;

    /// <summary>Tests lower this (on their own thread) to drive tiny shapes through the blocked path.</summary>
    [ThreadStatic] internal static long? t_smallThresholdOverride;

    /// <summary>
    /// C[i,j] (=|+=) sum_p A[i,p] * B[p,j]; A element (i,p) at a[i*aRowStride + p*aColStride], B (p,j) at
    /// b[p*bRowStride + j*bColStride], C row-major with row stride ldc. Any strides; m, n, P may be 0
    /// (P == 0 without accumulate zeroes C). C must not alias A or B.
    /// </summary>
    public static void Multiply(int m, int n, int P, float* a, long aRowStride, long aColStride, float* b, long bRowStride, long bColStride, float* c, long ldc, bool accumulate)
        => Dispatch(m, n, P, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate);

    /// <inheritdoc cref="Multiply(int, int, int, float*, long, long, float*, long, long, float*, long, bool)"/>
    public static void Multiply(int m, int n, int P, double* a, long aRowStride, long aColStride, double* b, long bRowStride, long bColStride, double* c, long ldc, bool accumulate)
        => Dispatch(m, n, P, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate);

    /// <summary>
    /// The same with A and B stored as bfloat16 and C float32: bitwise the float multiply of the
    /// widened operands (widening is exact), reading half the operand bytes. The caller rounds C to
    /// bf16 if it stores bf16.
    /// </summary>
    public static void Multiply(int m, int n, int P, BFloat16* a, long aRowStride, long aColStride, BFloat16* b, long bRowStride, long bColStride, float* c, long ldc, bool accumulate)
        => Dispatch(m, n, P, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate);

    /// <summary>The host's caches and the float32 blocks the blocked path uses on them, for benchmark reports.</summary>
    public static string DescribeBlocking()
    {
        var blocks = GemmIsaSelection.Detected switch
        {
            GemmIsa.Vector512 => GemmDriver<float, GemmKernelSimd<float, Vector512<float>, Vector512Ops<float>>>.Blocking,
            GemmIsa.Vector256 => GemmDriver<float, GemmKernelSimd<float, Vector256<float>, Vector256Ops<float>>>.Blocking,
            _ => GemmDriver<float, GemmKernelScalar<float>>.Blocking,
        };
        string from = Environment.GetEnvironmentVariable(GemmBlocking.OverrideVariable) is { Length: > 0 } ? $", {GemmBlocking.OverrideVariable} applied" : "";
        return $"{HostCaches.Detected}; float32 blocks PC {blocks.PC}, MC {blocks.MC}, NC {blocks.NC} ({GemmIsaSelection.Detected} kernel{from})";
    }

    private static void Dispatch<TIn, T>(int m, int n, int P, TIn* a, long ars, long acs, TIn* b, long brs, long bcs, T* c, long ldc, bool accumulate)
        where TIn : unmanaged
        where T : unmanaged, INumber<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(P);
        if (m == 0 || n == 0)
        {
            return;
        }
        if (P == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    new Span<T>(c + i * ldc, n).Clear();
                }
            }
            return;
        }
        if ((long)m * n * P < (t_smallThresholdOverride ?? DefaultSmallThreshold))
        {
            if (typeof(TIn) == typeof(T)) GemmSmall<T>.Multiply(m, n, P, (T*)a, ars, acs, (T*)b, brs, bcs, c, ldc, accumulate);
            else GemmSmallWidened.Multiply(m, n, P, (BFloat16*)a, ars, acs, (BFloat16*)b, brs, bcs, (float*)c, ldc, accumulate);
            return;
        }
        // The whole problem as one plain struct the pool's workers read (an initialiser, field by field).
        var job = new GemmJob
        {
            M = m,
            N = n,
            P = P,
            A = a,
            B = b,
            C = c,
            ARowStride = ars,
            AColStride = acs,
            BRowStride = brs,
            BColStride = bcs,
            Ldc = ldc,
            Accumulate = accumulate,
        };
        switch (GemmIsaSelection.Current)
        {
            case GemmIsa.Vector512:
                GemmDriver<T, GemmKernelSimd<T, Vector512<T>, Vector512Ops<T>>>.Multiply<TIn>(job);
                break;
            case GemmIsa.Vector256:
                GemmDriver<T, GemmKernelSimd<T, Vector256<T>, Vector256Ops<T>>>.Multiply<TIn>(job);
                break;
            default:
                GemmDriver<T, GemmKernelScalar<T>>.Multiply<TIn>(job);
                break;
        }
    }
}
