// CpuBackend, indexing kernels for embeddings and MoE routing:
//   Gather      y[..i..] = x[..index[..i..]..]          (along axis; y has index's shape)
//   IndexSelect y.select(axis, j) = x.select(axis, index[j])
//   ScatterAdd  y[..index[..i..]..] += source[..i..]    (in place)
//   IndexAdd    y.select(axis, index[j]) += source.select(axis, j)   (in place)
// Every index is checked before any element moves, and an out-of-range one throws naming the op,
// the index value and the axis size. Gather and IndexSelect write each output once, so they run
// in parallel; the two adds may hit one destination from several indices, so they run in index
// order on one thread (the same order as the reference loops, hence the same rounding).
// The select-shaped ops (IndexSelect, IndexAdd) move whole slices with the elementwise run kernels:
// an embedding lookup is one contiguous row copy per token.
// It deliberately is not: atomic or sorted parallel scatter (not needed at this model's sizes).
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Gather(Tensor x, int axis, Tensor index, Tensor y)
    {
        if (Bf16Widening.Applies(x, index, y)) { Bf16Widening.Run("rrw", [x, index, y], (this, axis), static (t, s) => s.Item1.Gather(t[0], s.axis, t[1], t[2])); return; }
        CpuTensor.ByDType("Gather", x.DType, Gather<float>, Gather<double>, Gather<int>)(x, axis, index, y);
    }

    public void IndexSelect(Tensor x, int axis, Tensor index, Tensor y)
    {
        if (Bf16Widening.Applies(x, index, y)) { Bf16Widening.Run("rrw", [x, index, y], (this, axis), static (t, s) => s.Item1.IndexSelect(t[0], s.axis, t[1], t[2])); return; }
        CpuTensor.ByDType("IndexSelect", x.DType, IndexSelect<float>, IndexSelect<double>, IndexSelect<int>)(x, axis, index, y);
    }

    public void ScatterAdd(Tensor y, int axis, Tensor index, Tensor source)
    {
        if (Bf16Widening.Applies(y, index, source)) { Bf16Widening.Run("urr", [y, index, source], (this, axis), static (t, s) => s.Item1.ScatterAdd(t[0], s.axis, t[1], t[2])); return; }
        CpuTensor.ByDType("ScatterAdd", y.DType, ScatterAdd<float>, ScatterAdd<double>, ScatterAdd<int>)(y, axis, index, source);
    }

    public void IndexAdd(Tensor y, int axis, Tensor index, Tensor source)
    {
        if (Bf16Widening.Applies(y, index, source)) { Bf16Widening.Run("urr", [y, index, source], (this, axis), static (t, s) => s.Item1.IndexAdd(t[0], s.axis, t[1], t[2])); return; }
        CpuTensor.ByDType("IndexAdd", y.DType, IndexAdd<float>, IndexAdd<double>, IndexAdd<int>)(y, axis, index, source);
    }

    // ---- gather / scatter-add: one index per element -------------------------------------------

    private static void Gather<T>(Tensor x, int axis, Tensor index, Tensor y) where T : unmanaged
    {
        const string op = "Gather";
        CheckIndices(op, index, axis, x.Shape[axis]);
        // x is walked with index's shape; its own axis stride is applied per element, from the index.
        var layout = CpuTensor.Layout(index.Shape, y.Strides, index.Strides, WithoutAxis(x.Strides, axis));
        CpuParallel.ForEach(layout, CpuTensor.Offsets(y, index, x), new GatherKernel<T>(
            CpuTensor.Data<T>(op, y), CpuTensor.Data<int>(op, index), CpuTensor.Data<T>(op, x), x.Strides[axis]));
    }

    private readonly struct GatherKernel<T>(T* y, int* index, T* x, long axisStride) : IRunKernel where T : unmanaged
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            for (int j = 0; j < count; j++)
                y[offsets[0] + j * steps[0]] = x[offsets[2] + j * steps[2] + index[offsets[1] + j * steps[1]] * axisStride];
        }
    }

    private static void ScatterAdd<T>(Tensor y, int axis, Tensor index, Tensor source) where T : unmanaged, INumber<T>
    {
        const string op = "ScatterAdd";
        CheckIndices(op, index, axis, y.Shape[axis]);
        var layout = CpuTensor.Layout(index.Shape, WithoutAxis(y.Strides, axis), index.Strides, source.Strides);
        var kernel = new ScatterAddKernel<T>(CpuTensor.Data<T>(op, y), CpuTensor.Data<int>(op, index), CpuTensor.Data<T>(op, source), y.Strides[axis]);
        layout.ForEach(ref kernel, CpuTensor.Offsets(y, index, source), 0, layout.Count);
    }

    private readonly struct ScatterAddKernel<T>(T* y, int* index, T* source, long axisStride) : IRunKernel where T : unmanaged, INumber<T>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            for (int j = 0; j < count; j++)
                y[offsets[0] + j * steps[0] + index[offsets[1] + j * steps[1]] * axisStride] += source[offsets[2] + j * steps[2]];
        }
    }

    // ---- index-select / index-add: one index per slice -----------------------------------------

    private static void IndexSelect<T>(Tensor x, int axis, Tensor index, Tensor y) where T : unmanaged, INumberBase<T>
    {
        const string op = "IndexSelect";
        CheckIndices(op, index, axis, x.Shape[axis]);
        using var ids = new DenseCopy<int>(op, index);
        var slice = CpuTensor.Layout(SliceShape(y.Shape, axis), y.Strides, x.Strides);
        CpuParallel.For(index.Numel, slice.Count, new IndexSelectBody<T>(slice,
            CpuTensor.Data<T>(op, y), y.Offset, y.Strides[axis], CpuTensor.Data<T>(op, x), x.Offset, x.Strides[axis], ids.Pointer));
    }

    private readonly struct IndexSelectBody<T>(StridedLayout slice, T* y, long yOffset, long yAxisStride,
        T* x, long xOffset, long xAxisStride, int* ids) : IRangeBody where T : unmanaged, INumberBase<T>
    {
        public void Run(long start, long end)
        {
            var copy = new ElementwiseKernels.CopyKernel<T, T>(y, x);
            OperandValues bases = default;
            for (long j = start; j < end; j++)
            {
                bases[0] = yOffset + j * yAxisStride;
                bases[1] = xOffset + ids[j] * xAxisStride;
                slice.ForEach(ref copy, bases, 0, slice.Count);
            }
        }
    }

    private static void IndexAdd<T>(Tensor y, int axis, Tensor index, Tensor source) where T : unmanaged, INumber<T>
    {
        const string op = "IndexAdd";
        CheckIndices(op, index, axis, y.Shape[axis]);
        using var ids = new DenseCopy<int>(op, index);
        // Each slice is y_slice = y_slice + source_slice: the Add kernel with operands (y, y, source).
        var slice = CpuTensor.Layout(SliceShape(source.Shape, axis), y.Strides, y.Strides, source.Strides);
        var add = new ElementwiseKernels.BinaryKernel<T, BinaryOps.Add<T>>(
            CpuTensor.Data<T>(op, y), CpuTensor.Data<T>(op, y), CpuTensor.Data<T>(op, source));
        OperandValues bases = default;
        for (long j = 0; j < index.Numel; j++)
        {
            bases[0] = bases[1] = y.Offset + ids.Pointer[j] * y.Strides[axis];
            bases[2] = source.Offset + j * source.Strides[axis];
            CpuParallel.ForEach(slice, bases, add);
        }
    }

    // ---- the MoE dispatch plan: a counting sort, O(N·K + E), on the host it already is ---------

    public void SortByExpert(Tensor indices, Tensor offsets, Tensor slot, Tensor position, Tensor token)
    {
        const string op = "SortByExpert";
        int K = indices.Shape[1], E = offsets.Shape[0] - 1;
        CheckIndices(op, indices, 1, E);
        using var picked = new DenseCopy<int>(op, indices);
        int* start = CpuTensor.Contiguous<int>(op, offsets), toSlot = CpuTensor.Contiguous<int>(op, slot);
        int* toPosition = CpuTensor.Contiguous<int>(op, position), toToken = CpuTensor.Contiguous<int>(op, token);
        long A = indices.Numel;
        new Span<int>(start, E + 1).Clear();
        for (long a = 0; a < A; a++) start[picked.Pointer[a] + 1]++;          // counts per expert
        for (int e = 0; e < E; e++) start[e + 1] += start[e];                   // prefix sums: the offsets
        var next = new Span<int>(start, E).ToArray();
        for (int a = 0; a < A; a++)                                             // stable: assignments in order
        {
            int row = next[picked.Pointer[a]]++;
            (toSlot[row], toPosition[a], toToken[row]) = (a, row, a / K);
        }
    }

    // ---- shared helpers ------------------------------------------------------------------------

    /// <summary>shape with axis set to 1: the shape of one slice along axis.</summary>
    private static int[] SliceShape(int[] shape, int axis)
    {
        var slice = (int[])shape.Clone();
        slice[axis] = 1;
        return slice;
    }

    /// <summary>strides with axis set to 0, for walking a tensor whose axis position comes from an index.</summary>
    private static long[] WithoutAxis(long[] strides, int axis)
    {
        var result = (long[])strides.Clone();
        result[axis] = 0;
        return result;
    }

    /// <summary>Throws naming op, the first bad index value and the axis size, before any work.</summary>
    private static void CheckIndices(string op, Tensor index, int axis, int size)
    {
        var layout = CpuTensor.Layout(index.Shape, index.Strides);
        var check = new IndexRangeKernel(CpuTensor.Data<int>(op, index), size);
        layout.ForEach(ref check, CpuTensor.Offsets(index), 0, layout.Count);
        if (check.Bad is int bad) IndexRange.Check(op, bad, axis, size);
    }

    private struct IndexRangeKernel(int* index, int size) : IRunKernel
    {
        public int? Bad { get; private set; }

        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            if (Bad is not null) return;
            for (int j = 0; j < count; j++)
            {
                int i = index[offsets[0] + j * steps[0]];
                if ((uint)i >= (uint)size)
                {
                    Bad = i;
                    return;
                }
            }
        }
    }
}
