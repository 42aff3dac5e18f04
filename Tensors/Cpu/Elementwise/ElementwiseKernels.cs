// ElementwiseKernels: the run kernels behind Fill, Copy, Unary, Binary and Where, and the entry
// points that build a layout over the output and walk it (split across cores when large).
//
// Every kernel handles a run in up to three ways: all steps 1 (a span op, vectorised), an input
// step 0 (a broadcast scalar: computed once), and anything else (a scalar loop with strides).
// It deliberately is not: per-op code (UnaryOps / BinaryOps hold the math) nor dtype dispatch.
// Follows: StridedLayout's run model.
using System.Numerics;
using System.Numerics.Tensors;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe class ElementwiseKernels
{
    public static void Fill<T>(Tensor y, T value) where T : unmanaged
    {
        var layout = CpuTensor.Layout(y.Shape, y.Strides);
        CpuParallel.ForEach(layout, CpuTensor.Offsets(y), new FillKernel<T>(CpuTensor.Data<T>("Fill", y), value));
    }

    /// <summary>y = x converted elementwise (float to int truncates toward zero).</summary>
    public static void Copy<TFrom, TTo>(Tensor x, Tensor y) where TFrom : unmanaged, INumberBase<TFrom> where TTo : unmanaged, INumberBase<TTo>
    {
        var layout = CpuTensor.Layout(y.Shape, y.Strides, x.Strides);
        CpuParallel.ForEach(layout, CpuTensor.Offsets(y, x),
            new CopyKernel<TFrom, TTo>(CpuTensor.Data<TTo>("Copy", y), CpuTensor.Data<TFrom>("Copy", x)));
    }

    public static void Unary<T, TOp>(Tensor x, Tensor y) where T : unmanaged where TOp : IUnaryOp<TOp, T>
    {
        var layout = CpuTensor.Layout(y.Shape, y.Strides, x.Strides);
        CpuParallel.ForEach(layout, CpuTensor.Offsets(y, x),
            new UnaryKernel<T, TOp>(CpuTensor.Data<T>("Unary", y), CpuTensor.Data<T>("Unary", x)));
    }

    public static void Binary<T, TOp>(Tensor a, Tensor b, Tensor y) where T : unmanaged where TOp : IBinaryOp<TOp, T>
    {
        var layout = CpuTensor.Layout(y.Shape, y.Strides, a.Strides, b.Strides);
        CpuParallel.ForEach(layout, CpuTensor.Offsets(y, a, b),
            new BinaryKernel<T, TOp>(CpuTensor.Data<T>("Binary", y), CpuTensor.Data<T>("Binary", a), CpuTensor.Data<T>("Binary", b)));
    }

    public static void Where<TCondition, T>(Tensor condition, Tensor a, Tensor b, Tensor y)
        where TCondition : unmanaged, INumberBase<TCondition> where T : unmanaged, INumberBase<T>
    {
        var layout = CpuTensor.Layout(y.Shape, y.Strides, condition.Strides, a.Strides, b.Strides);
        CpuParallel.ForEach(layout, CpuTensor.Offsets(y, condition, a, b), new WhereKernel<TCondition, T>(
            CpuTensor.Data<T>("Where", y), CpuTensor.Data<TCondition>("Where", condition),
            CpuTensor.Data<T>("Where", a), CpuTensor.Data<T>("Where", b)));
    }

    /// <summary>Writes value count times, step apart.</summary>
    public static void FillRun<T>(T* y, long step, int count, T value) where T : unmanaged
    {
        if (step == 1) new Span<T>(y, count).Fill(value);
        else for (int i = 0; i < count; i++) y[i * step] = value;
    }

    // ---- run kernels: operand 0 is always the output ----------------------------------------------

    public readonly struct FillKernel<T>(T* y, T value) : IRunKernel where T : unmanaged
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count) =>
            FillRun(y + offsets[0], steps[0], count, value);
    }

    public readonly struct CopyKernel<TFrom, TTo>(TTo* y, TFrom* x) : IRunKernel
        where TFrom : unmanaged, INumberBase<TFrom> where TTo : unmanaged, INumberBase<TTo>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            TTo* yp = y + offsets[0];
            TFrom* xp = x + offsets[1];
            long sy = steps[0], sx = steps[1];
            if (sy == 1 && sx == 1)
            {
                if (typeof(TFrom) == typeof(TTo)) new ReadOnlySpan<TTo>(xp, count).CopyTo(new Span<TTo>(yp, count));
                else TensorPrimitives.ConvertTruncating<TFrom, TTo>(new ReadOnlySpan<TFrom>(xp, count), new Span<TTo>(yp, count));
            }
            else if (sx == 0) FillRun(yp, sy, count, TTo.CreateTruncating(*xp));
            else for (int i = 0; i < count; i++) yp[i * sy] = TTo.CreateTruncating(xp[i * sx]);
        }
    }

    public readonly struct UnaryKernel<T, TOp>(T* y, T* x) : IRunKernel where T : unmanaged where TOp : IUnaryOp<TOp, T>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            T* yp = y + offsets[0];
            T* xp = x + offsets[1];
            long sy = steps[0], sx = steps[1];
            if (sy == 1 && sx == 1) TOp.Apply(new ReadOnlySpan<T>(xp, count), new Span<T>(yp, count));
            else if (sx == 0) FillRun(yp, sy, count, TOp.Apply(*xp));
            else for (int i = 0; i < count; i++) yp[i * sy] = TOp.Apply(xp[i * sx]);
        }
    }

    public readonly struct BinaryKernel<T, TOp>(T* y, T* a, T* b) : IRunKernel where T : unmanaged where TOp : IBinaryOp<TOp, T>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            T* yp = y + offsets[0];
            T* ap = a + offsets[1];
            T* bp = b + offsets[2];
            long sy = steps[0], sa = steps[1], sb = steps[2];
            var yr = new Span<T>(yp, count);
            if (sa == 0 && sb == 0) FillRun(yp, sy, count, TOp.Apply(*ap, *bp));
            else if (sy != 1) ScalarLoop(yp, sy, ap, sa, bp, sb, count);
            else if (sa == 1 && sb == 1) TOp.Apply(new ReadOnlySpan<T>(ap, count), new ReadOnlySpan<T>(bp, count), yr);
            else if (sa == 1 && sb == 0) TOp.Apply(new ReadOnlySpan<T>(ap, count), *bp, yr);
            else if (sa == 0 && sb == 1) TOp.Apply(*ap, new ReadOnlySpan<T>(bp, count), yr);
            else ScalarLoop(yp, sy, ap, sa, bp, sb, count);
        }

        private static void ScalarLoop(T* y, long sy, T* a, long sa, T* b, long sb, int count)
        {
            for (int i = 0; i < count; i++) y[i * sy] = TOp.Apply(a[i * sa], b[i * sb]);
        }
    }

    public readonly struct WhereKernel<TCondition, T>(T* y, TCondition* condition, T* a, T* b) : IRunKernel
        where TCondition : unmanaged, INumberBase<TCondition> where T : unmanaged, INumberBase<T>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            T* yp = y + offsets[0];
            TCondition* cp = condition + offsets[1];
            T* ap = a + offsets[2];
            T* bp = b + offsets[3];
            long sy = steps[0], sc = steps[1], sa = steps[2], sb = steps[3];
            if (sc == 0)
            {
                // One condition for the whole run (a broadcast mask row): the run is a copy of a or of b.
                bool pickA = *cp != TCondition.Zero;
                var copy = new CopyKernel<T, T>(yp, pickA ? ap : bp);
                OperandValues runOffsets = default, runSteps = default;
                runSteps[0] = sy;
                runSteps[1] = pickA ? sa : sb;
                copy.Run(runOffsets, runSteps, count);
            }
            else if (sy == 1 && sc == 1 && sa <= 1 && sb <= 1 && sizeof(TCondition) == sizeof(T) && Vector.IsHardwareAccelerated)
            {
                SelectVector(yp, cp, ap, sa == 0, bp, sb == 0, count);
            }
            else
            {
                for (int i = 0; i < count; i++) yp[i * sy] = cp[i * sc] != TCondition.Zero ? ap[i * sa] : bp[i * sb];
            }
        }

        /// <summary>
        /// The common masked case (contiguous condition and output, each branch contiguous or a
        /// broadcast scalar) Vector wide: condition == 0 lanes become an all-ones mask choosing b.
        /// The condition's lanes line up with the data's because both types have the same size.
        /// </summary>
        private static void SelectVector(T* y, TCondition* condition, T* a, bool aScalar, T* b, bool bScalar, int count)
        {
            int i = 0, width = Vector<T>.Count;
            Vector<T> va = new(*a), vb = new(*b);
            for (; i <= count - width; i += width)
            {
                var isZero = Vector.As<TCondition, T>(Vector.Equals(Vector.Load(condition + i), Vector<TCondition>.Zero));
                Vector.ConditionalSelect(isZero, bScalar ? vb : Vector.Load(b + i), aScalar ? va : Vector.Load(a + i)).Store(y + i);
            }
            for (; i < count; i++) y[i] = condition[i] != TCondition.Zero ? a[aScalar ? 0 : i] : b[bScalar ? 0 : i];
        }
    }
}
