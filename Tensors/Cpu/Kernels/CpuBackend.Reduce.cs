// CpuBackend, reductions over one axis (keepdim): Sum, Max, Min and ArgMax.
//
// Two loop orders, picked by how x lies in memory:
// - rows: when the reduced axis is contiguous (or the last axis), each output element folds one
//   run of x — a TensorPrimitives Sum/Max/Min over a span.
// - accumulate: otherwise (e.g. summing over rows of a row-major matrix) y is walked as an
//   elementwise op: y = x[axis 0], then y = op(y, x[axis r]) for each r, vectorised along y and
//   done a cache-sized block of y at a time.
// ArgMax always scans rows, with strictly-greater replacing so ties keep the lowest index.
// It deliberately is not: a multi-axis reduction (the Tensor layer reduces axes one at a time).
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Reduce(ReduceOp op, Tensor x, int axis, Tensor y)
    {
        if (Bf16Widening.Applies(x, y)) { Bf16Widening.Run("rw", [x, y], (this, op, axis), static (t, s) => s.Item1.Reduce(s.op, t[0], s.axis, t[1])); return; }
        CpuTensor.ByDType(op.ToString(), x.DType, Reduce<float>, Reduce<double>, Reduce<int>)(op, x, axis, y);
    }

    private static void Reduce<T>(ReduceOp op, Tensor x, int axis, Tensor y) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case ReduceOp.Sum: Reduce<T, BinaryOps.Add<T>>(x, axis, y); break;
            case ReduceOp.Max: Reduce<T, BinaryOps.Max<T>>(x, axis, y); break;
            case ReduceOp.Min: Reduce<T, BinaryOps.Min<T>>(x, axis, y); break;
            default: throw new NotSupportedException($"Reduce: unknown op {op}");
        }
    }

    private static void Reduce<T, TOp>(Tensor x, int axis, Tensor y) where T : unmanaged, INumber<T> where TOp : IReduceOp<TOp, T>
    {
        int length = x.Shape[axis];
        if (length == 0)
        {
            // Only Sum gets here (the Tensor layer refuses an empty Max/Min): the empty sum is 0.
            ElementwiseKernels.Fill(y, T.Zero);
            return;
        }
        long stride = x.Strides[axis];
        T* yData = CpuTensor.Data<T>("Reduce", y), xData = CpuTensor.Data<T>("Reduce", x);
        // y has size 1 on axis, so walking y's shape with x's strides visits x[axis 0] of each output.
        var layout = CpuTensor.Layout(y.Shape, y.Strides, x.Strides);
        if (stride == 1 || IsLastAxis(x.Shape, axis))
        {
            CpuParallel.ForEach(layout, CpuTensor.Offsets(y, x), new ReduceRowsKernel<T, TOp>(yData, xData, stride, length), length);
            return;
        }
        var accumulate = CpuTensor.Layout(y.Shape, y.Strides, y.Strides, x.Strides);
        CpuParallel.For(layout.Count, length, new AccumulateBody<T, TOp>(layout, accumulate, yData, xData, y.Offset, x.Offset, stride, length));
    }

    private static bool IsLastAxis(int[] shape, int axis)
    {
        for (int i = axis + 1; i < shape.Length; i++) if (shape[i] != 1) return false;
        return true;
    }

    /// <summary>y[j] = fold of the length elements of x starting at the run's offset, stride apart.</summary>
    private readonly struct ReduceRowsKernel<T, TOp>(T* y, T* x, long stride, int length) : IRunKernel
        where T : unmanaged where TOp : IReduceOp<TOp, T>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            for (int j = 0; j < count; j++)
            {
                T* row = x + offsets[1] + j * steps[1];
                T result;
                if (stride == 1) result = TOp.Reduce(new ReadOnlySpan<T>(row, length));
                else
                {
                    result = row[0];
                    for (int r = 1; r < length; r++) result = TOp.Apply(result, row[r * stride]);
                }
                y[offsets[0] + j * steps[0]] = result;
            }
        }
    }

    /// <summary>The accumulate order: over a block of y, copy x[axis 0], then fold in x[axis r].</summary>
    private readonly struct AccumulateBody<T, TOp>(StridedLayout copy, StridedLayout fold, T* y, T* x,
        long yOffset, long xOffset, long stride, int length) : IRangeBody
        where T : unmanaged, INumber<T> where TOp : IReduceOp<TOp, T>
    {
        private const long Block = 8192; // outputs per pass: y's block stays in L1/L2 across all r

        public void Run(long start, long end)
        {
            var first = new ElementwiseKernels.CopyKernel<T, T>(y, x);
            var combine = new ElementwiseKernels.BinaryKernel<T, TOp>(y, y, x);
            for (long b = start; b < end; b += Block)
            {
                long e = Math.Min(end, b + Block);
                OperandValues bases = default;
                bases[0] = yOffset;
                bases[1] = xOffset;
                copy.ForEach(ref first, bases, b, e);
                bases[1] = yOffset; // fold operands: (y, y, x[axis r])
                for (int r = 1; r < length; r++)
                {
                    bases[2] = xOffset + r * stride;
                    fold.ForEach(ref combine, bases, b, e);
                }
            }
        }
    }

    // ---- ArgMax --------------------------------------------------------------------------------

    public void ArgMax(Tensor x, int axis, Tensor y)
    {
        if (Bf16Widening.Applies(x, y)) { Bf16Widening.Run("rw", [x, y], (this, axis), static (t, s) => s.Item1.ArgMax(t[0], s.axis, t[1])); return; }
        CpuTensor.ByDType("ArgMax", x.DType, ArgMax<float>, ArgMax<double>, ArgMax<int>)(x, axis, y);
    }

    private static void ArgMax<T>(Tensor x, int axis, Tensor y) where T : unmanaged, INumber<T>
    {
        int length = x.Shape[axis];
        var layout = CpuTensor.Layout(y.Shape, y.Strides, x.Strides);
        CpuParallel.ForEach(layout, CpuTensor.Offsets(y, x),
            new ArgMaxKernel<T>(CpuTensor.Data<int>("ArgMax", y), CpuTensor.Data<T>("ArgMax", x), x.Strides[axis], length), length);
    }

    private readonly struct ArgMaxKernel<T>(int* y, T* x, long stride, int length) : IRunKernel where T : unmanaged, INumber<T>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            for (int j = 0; j < count; j++)
            {
                T* row = x + offsets[1] + j * steps[1];
                int best = 0;
                T bestValue = row[0];
                for (int r = 1; r < length; r++)
                {
                    T v = row[r * stride];
                    if (v > bestValue) { best = r; bestValue = v; } // strictly greater: ties keep the lowest index
                }
                y[offsets[0] + j * steps[0]] = best;
            }
        }
    }
}
