// GemmReference: the obviously-correct triple loop that defines what Gemm.Multiply must compute.
// It is deliberately slow, unblocked and unvectorised; it accumulates in double so that tests can
// measure the fast path's rounding error against something much more precise than it.
// Same signature and stride conventions as Gemm.Multiply.
namespace MoeFromScratch.Tensors.Cpu;

public static unsafe class GemmReference
{
    public static void Multiply(int m, int n, int P, float* a, long aRowStride, long aColStride, float* b, long bRowStride, long bColStride, float* c, long ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0.0;
                for (int p = 0; p < P; p++)
                {
                    sum += (double)a[i * aRowStride + p * aColStride] * b[p * bRowStride + j * bColStride];
                }
                c[i * ldc + j] = (float)sum;
            }
        }
    }

    public static void Multiply(int m, int n, int P, double* a, long aRowStride, long aColStride, double* b, long bRowStride, long bColStride, double* c, long ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0.0;
                for (int p = 0; p < P; p++)
                {
                    sum += a[i * aRowStride + p * aColStride] * b[p * bRowStride + j * bColStride];
                }
                c[i * ldc + j] = sum;
            }
        }
    }
}
