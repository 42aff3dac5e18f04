// StridedLayout: how every CPU kernel walks tensors of any strides without copying them.
//
// Several operands (an output and its inputs) share one shape but each has its own strides. The
// layout first simplifies that shape (Core/AxisCoalescing, shared with the Vulkan layouts: size-1
// axes dropped, neighbours every operand walks as one axis merged). The last remaining axis is the
// inner "run": a kernel receives whole runs (an offset and a step per operand, and a length), so
// its inner loop can be a TensorPrimitives span op when the steps are 1 and a scalar op when a
// step is 0 (broadcast).
//
// ForEach walks any range [start, end) of the elements in row-major order, so the same layout
// serves one thread or many (each thread takes a range, possibly starting mid-run).
//
// It deliberately is not: a general iterator object (no allocation, no virtual calls — kernels are
// structs, specialised by the JIT), nor an axis reorderer (it walks in the output's order).
// Known limit: at most MaxRank axes remain after merging, MaxOperands operands.
// Follows: the "dimension coalescing" of PyTorch's TensorIterator and NumPy's nditer.
using System.Runtime.CompilerServices;

namespace MoeFromScratch.Tensors.Cpu;

/// <summary>One long per operand: offsets of a run's first element, or steps along a run.</summary>
[InlineArray(StridedLayout.MaxOperands)]
internal struct OperandValues
{
    private long _element;
}

[InlineArray(StridedLayout.MaxRank)]
internal struct AxisValues
{
    private long _element;
}

[InlineArray(StridedLayout.MaxRank * StridedLayout.MaxOperands)]
internal struct OperandAxisValues
{
    private long _element;
}

/// <summary>A kernel body: processes one run of count elements along the innermost merged axis.</summary>
internal interface IRunKernel
{
    /// <param name="offsets">Element offset of each operand's first element in this run.</param>
    /// <param name="steps">Each operand's stride along the run (1 contiguous, 0 broadcast).</param>
    void Run(in OperandValues offsets, in OperandValues steps, int count);
}

internal struct StridedLayout
{
    public const int MaxRank = 8;
    public const int MaxOperands = 4;

    private AxisValues _sizes;
    private OperandAxisValues _strides; // [operand * MaxRank + axis]
    private int _rank;
    private int _operands;
    private long _count;

    /// <summary>Total number of elements walked.</summary>
    public readonly long Count => _count;

    /// <summary>Starts a layout over shape; add each operand's strides, then Coalesce.</summary>
    public StridedLayout(ReadOnlySpan<int> shape)
    {
        if (shape.Length > MaxRank)
            throw new NotSupportedException($"cpu: tensors of rank {shape.Length} exceed the CPU kernels' limit of {MaxRank} axes");
        _rank = shape.Length;
        _count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            _sizes[i] = shape[i];
            _count *= shape[i];
        }
    }

    /// <summary>Adds an operand walked with these strides (one per axis of the shape); returns its number.</summary>
    public int Add(ReadOnlySpan<long> strides)
    {
        if (_operands == MaxOperands)
            throw new InvalidOperationException($"StridedLayout: at most {MaxOperands} operands");
        for (int i = 0; i < _rank; i++) _strides[_operands * MaxRank + i] = strides[i];
        return _operands++;
    }

    /// <summary>Drops size-1 axes and merges neighbours every operand walks as one axis (AxisCoalescing).</summary>
    public void Coalesce() => _rank = AxisCoalescing.Coalesce(_sizes, _strides, _rank, _operands, MaxRank);

    /// <summary>Calls kernel.Run on every run covering elements [start, end) in row-major order.</summary>
    public readonly void ForEach<TKernel>(ref TKernel kernel, in OperandValues bases, long start, long end)
        where TKernel : struct, IRunKernel
    {
        if (start >= end) return;
        int inner = _rank - 1;
        long innerSize = _sizes[inner];
        OperandValues offsets = bases, steps = default;
        for (int k = 0; k < _operands; k++) steps[k] = _strides[k * MaxRank + inner];

        // Position of `start`: which run (an index per outer axis) and how far into it.
        AxisValues counter = default;
        long run = start / innerSize, position = start % innerSize;
        for (int axis = inner - 1; axis >= 0; axis--)
        {
            counter[axis] = run % _sizes[axis];
            run /= _sizes[axis];
            for (int k = 0; k < _operands; k++) offsets[k] += counter[axis] * _strides[k * MaxRank + axis];
        }
        for (int k = 0; k < _operands; k++) offsets[k] += position * steps[k];

        long remaining = end - start;
        while (true)
        {
            int count = (int)Math.Min(innerSize - position, remaining);
            kernel.Run(offsets, steps, count);
            remaining -= count;
            if (remaining <= 0) return;

            // Back to the start of this run, then step the outer axes like an odometer.
            for (int k = 0; k < _operands; k++) offsets[k] -= position * steps[k];
            position = 0;
            for (int axis = inner - 1; axis >= 0; axis--)
            {
                counter[axis]++;
                for (int k = 0; k < _operands; k++) offsets[k] += _strides[k * MaxRank + axis];
                if (counter[axis] < _sizes[axis]) break;
                for (int k = 0; k < _operands; k++) offsets[k] -= _sizes[axis] * _strides[k * MaxRank + axis];
                counter[axis] = 0;
            }
        }
    }
}
