// CpuBackend, fused cross-entropy over rows of logits (N, V) with Int32 targets (N):
//   forward   loss[n]     = log Σ_v exp(x[n,v]) - x[n, t]  = log Σ exp(x - max) - (x[n,t] - max)
//   backward  dlogits[n]  = (softmax(x[n]) - onehot(t)) · dlosses[n]
// Rows whose target equals ignoreIndex give loss 0 and gradient 0. Any other target outside
// [0, V) is an error, reported before any work starts (never from inside a worker thread).
// It deliberately is not: a mean over rows (the caller reduces the per-row losses).
// Follows: llm.c crossentropy_forward / crossentropy_softmax_backward, with the max-shift of softmax.
using System.Numerics;
using System.Numerics.Tensors;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void CrossEntropyForward(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses)
    {
        if (Bf16Widening.Applies(logits, targets, losses)) { Bf16Widening.Run("rrw", [logits, targets, losses], (this, ignoreIndex), static (t, s) => s.Item1.CrossEntropyForward(t[0], t[1], s.ignoreIndex, t[2])); return; }
        CpuTensor.ByDType("CrossEntropyForward", logits.DType, CrossEntropy<float>, CrossEntropy<double>)(logits, targets, ignoreIndex, null, losses);
    }

    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor dlosses, Tensor dlogits)
    {
        if (Bf16Widening.Applies(logits, targets, dlosses, dlogits)) { Bf16Widening.Run("rrrw", [logits, targets, dlosses, dlogits], (this, ignoreIndex), static (t, s) => s.Item1.CrossEntropyBackward(t[0], t[1], s.ignoreIndex, t[2], t[3])); return; }
        CpuTensor.ByDType("CrossEntropyBackward", logits.DType, CrossEntropy<float>, CrossEntropy<double>)(logits, targets, ignoreIndex, dlosses, dlogits);
    }

    /// <summary>Forward when dlosses is null (output: losses (N)), else backward (output: dlogits (N, V)).</summary>
    private static void CrossEntropy<T>(Tensor logits, Tensor targets, int ignoreIndex, Tensor? dlosses, Tensor output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string op = dlosses is null ? "CrossEntropyForward" : "CrossEntropyBackward";
        int rows = logits.Shape[0], classes = logits.Shape[1];
        using var x = new DenseCopy<T>(op, logits);
        using var t = new DenseCopy<int>(op, targets);
        CheckTargets(op, t.Pointer, rows, classes, ignoreIndex);
        T* y = CpuTensor.Contiguous<T>(op, output);
        if (dlosses is null)
        {
            CpuParallel.For(rows, classes, new ForwardBody<T>(x.Pointer, t.Pointer, y, classes, ignoreIndex));
            return;
        }
        using var dl = new DenseCopy<T>(op, dlosses);
        CpuParallel.For(rows, classes, new BackwardBody<T>(x.Pointer, t.Pointer, dl.Pointer, y, classes, ignoreIndex));
    }

    private static void CheckTargets(string op, int* targets, int rows, int classes, int ignoreIndex)
    {
        for (int n = 0; n < rows; n++)
        {
            int target = targets[n];
            if (target != ignoreIndex) IndexRange.Check(op, target, axis: 1, classes);
        }
    }

    private readonly struct ForwardBody<T>(T* x, int* targets, T* losses, int classes, int ignoreIndex) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(long start, long end)
        {
            using var scratch = new PooledBuffer<T>(classes);
            for (long n = start; n < end; n++)
            {
                int target = targets[n];
                if (target == ignoreIndex)
                {
                    losses[n] = T.Zero;
                    continue;
                }
                var row = new ReadOnlySpan<T>(x + n * classes, classes);
                T sum = SoftmaxRow.ShiftedExp(row, scratch.Span, out T max);
                losses[n] = T.Log(sum) - (row[target] - max);
            }
        }
    }

    private readonly struct BackwardBody<T>(T* x, int* targets, T* dlosses, T* dlogits, int classes, int ignoreIndex) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(long start, long end)
        {
            for (long n = start; n < end; n++)
            {
                var d = new Span<T>(dlogits + n * classes, classes);
                int target = targets[n];
                if (target == ignoreIndex)
                {
                    d.Clear();
                    continue;
                }
                T sum = SoftmaxRow.ShiftedExp(new ReadOnlySpan<T>(x + n * classes, classes), d, out _);
                TensorPrimitives.Multiply(d, T.One / sum, d); // softmax
                d[target] -= T.One;                           // - onehot
                TensorPrimitives.Multiply(d, dlosses[n], d);
            }
        }
    }
}
