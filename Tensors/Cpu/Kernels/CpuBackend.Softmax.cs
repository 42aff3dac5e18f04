// CpuBackend, softmax and log-softmax over the last axis, numerically stable: the row maximum
// is subtracted before exponentiating, so exp never overflows.
//   softmax(x)     = exp(x - max) / Σ exp(x - max)
//   log_softmax(x) = (x - max) - log Σ exp(x - max)
// SoftmaxRow.ShiftedExp is the shared first half, also used by cross-entropy.
// It deliberately is not: a softmax over other axes (the Tensor layer moves that axis last).
using System.Numerics;
using System.Numerics.Tensors;

namespace MoeFromScratch.Tensors.Cpu;

internal static class SoftmaxRow
{
    /// <summary>e = exp(x - max(x)); returns Σ e and max(x). x must not be empty.</summary>
    public static T ShiftedExp<T>(ReadOnlySpan<T> x, Span<T> e, out T max) where T : IFloatingPointIeee754<T>
    {
        max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, e);
        TensorPrimitives.Exp(e, e);
        return TensorPrimitives.Sum<T>(e);
    }
}

public sealed unsafe partial class CpuBackend
{
    public void Softmax(Tensor x, Tensor y, bool log)
    {
        if (Bf16Widening.Applies(x, y)) { Bf16Widening.Run("rw", [x, y], (this, log), static (t, s) => s.Item1.Softmax(t[0], t[1], s.log)); return; }
        CpuTensor.ByDType(log ? "LogSoftmax" : "Softmax", x.DType, Softmax<float>, Softmax<double>)(x, y, log);
    }

    private static void Softmax<T>(Tensor x, Tensor y, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string op = log ? "LogSoftmax" : "Softmax";
        int length = x.Shape[^1];
        if (length == 0 || y.Numel == 0) return;
        using var dense = new DenseCopy<T>(op, x);
        CpuParallel.For(y.Numel / length, length, new SoftmaxBody<T>(dense.Pointer, CpuTensor.Contiguous<T>(op, y), length, log));
    }

    private readonly struct SoftmaxBody<T>(T* x, T* y, int length, bool log) : IRangeBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(long start, long end)
        {
            for (long n = start; n < end; n++)
            {
                var xr = new ReadOnlySpan<T>(x + n * length, length);
                var yr = new Span<T>(y + n * length, length);
                T sum = SoftmaxRow.ShiftedExp(xr, yr, out T max);
                if (!log)
                {
                    TensorPrimitives.Multiply(yr, T.One / sum, yr); // one divide per row, not per element
                    continue;
                }
                TensorPrimitives.Subtract(xr, max, yr);
                TensorPrimitives.Subtract(yr, T.Log(sum), yr);
            }
        }
    }
}
