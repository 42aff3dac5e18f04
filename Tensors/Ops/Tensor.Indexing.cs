// Indexing ops for embeddings and MoE routing: gather, index-select, scatter-add, index-add,
// top-k, concat and split. Index tensors are int32. Out-of-place versions return new tensors.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    /// <summary>The checks every indexing op starts with (source and index on this backend, index int32); the axis normalised.</summary>
    private int IndexedAxis(string op, int axis, Tensor index, Tensor? source = null)
    {
        if (source is not null) CheckCompatible(op, this, source);
        CheckIndex(op, this, index);
        return Tensors.Shape.NormalizeAxis(op, axis, Rank);
    }

    /// <summary>torch.gather along axis; result has index's shape.</summary>
    public Tensor Gather(int axis, Tensor index)
    {
        int a = IndexedAxis("Gather", axis, index);
        if (index.Rank != Rank || Enumerable.Range(0, Rank).Any(i => i != a && index.Shape[i] > Shape[i]))
            throw new ShapeException($"Gather: index {Tensors.Shape.Format(index.Shape)} does not fit data {Tensors.Shape.Format(Shape)} along axis {a}");
        var y = Empty(index.Shape, DType, Backend);
        Backend.Gather(this, a, index, y);
        return y;
    }

    /// <summary>Rows (along axis) picked by a 1-D int32 index; an embedding lookup is IndexSelect(0, ids).</summary>
    public Tensor IndexSelect(int axis, Tensor index)
    {
        int a = IndexedAxis("IndexSelect", axis, index);
        if (index.Rank != 1)
            throw new ShapeException($"IndexSelect: index must be 1-D, got {Tensors.Shape.Format(index.Shape)}");
        var shape = (int[])Shape.Clone();
        shape[a] = index.Shape[0];
        var y = Empty(shape, DType, Backend);
        Backend.IndexSelect(this, a, index, y);
        return y;
    }

    /// <summary>
    /// This (N, K) int32 tensor of expert indices in 0..experts-1, sorted stably by expert (IBackend.SortByExpert):
    /// Offsets (E+1), Slot (N·K: sorted row -> n·K + k), Position (its inverse), Token (sorted row -> n). On the device: no read-back.
    /// </summary>
    public (Tensor Offsets, Tensor Slot, Tensor Position, Tensor Token) SortByExpert(int experts)
    {
        if (DType != DType.Int32 || Rank != 2 || experts < 1)
            throw new ShapeException($"SortByExpert: indices must be int32 (N, K) over at least one expert, got {DType.Name()} {Tensors.Shape.Format(Shape)} over {experts}");
        int assignments = Shape[0] * Shape[1];
        var offsets = Empty([experts + 1], DType.Int32, Backend);
        var slot = Empty([assignments], DType.Int32, Backend);
        var position = Empty([assignments], DType.Int32, Backend);
        var token = Empty([assignments], DType.Int32, Backend);
        Backend.SortByExpert(this, offsets, slot, position, token);
        return (offsets, slot, position, token);
    }

    /// <summary>A copy of this tensor with source scatter-added at index along axis.</summary>
    public Tensor ScatterAdd(int axis, Tensor index, Tensor source)
    {
        int a = IndexedAxis("ScatterAdd", axis, index, source);
        if (index.Rank != Rank || !Tensors.Shape.SameShape(index.Shape, source.Shape)
            || Enumerable.Range(0, Rank).Any(i => i != a && index.Shape[i] > Shape[i]))
            throw new ShapeException($"ScatterAdd: index {Tensors.Shape.Format(index.Shape)} and source {Tensors.Shape.Format(source.Shape)} do not fit {Tensors.Shape.Format(Shape)} along axis {a}");
        var y = Cast(DType);
        Backend.ScatterAdd(y, a, index, source);
        return y;
    }

    /// <summary>A copy of this tensor with source slices added at positions index along axis.</summary>
    public Tensor IndexAdd(int axis, Tensor index, Tensor source)
    {
        int a = IndexedAxis("IndexAdd", axis, index, source);
        var expected = (int[])Shape.Clone();
        if (index.Rank == 1) expected[a] = index.Shape[0];
        if (index.Rank != 1 || !Tensors.Shape.SameShape(expected, source.Shape))
            throw new ShapeException($"IndexAdd: index {Tensors.Shape.Format(index.Shape)} and source {Tensors.Shape.Format(source.Shape)} do not fit {Tensors.Shape.Format(Shape)} along axis {a}");
        var y = Cast(DType);
        Backend.IndexAdd(y, a, index, source);
        return y;
    }

    /// <summary>The k largest along the last axis, sorted descending; ties keep the lower index first.</summary>
    public (Tensor Values, Tensor Indices) TopK(int k)
    {
        ThrowIfDisposed("TopK");
        if (Rank == 0 || k < 0 || k > Shape[^1])
            throw new ShapeException($"TopK: k = {k} is not within the last axis of {Tensors.Shape.Format(Shape)}");
        var shape = (int[])Shape.Clone();
        shape[^1] = k;
        var values = Empty(shape, DType, Backend);
        var indices = Empty(shape, DType.Int32, Backend);
        Backend.TopK(this, k, values, indices);
        return (values, indices);
    }

    /// <summary>Joins tensors along axis; all other sizes must agree.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        if (parts.Count == 0) throw new ArgumentException("Concat: needs at least one tensor");
        var first = parts[0];
        int a = Tensors.Shape.NormalizeAxis("Concat", axis, first.Rank);
        foreach (var p in parts)
        {
            CheckCompatible("Concat", first, p);
            if (p.Rank != first.Rank || Enumerable.Range(0, first.Rank).Any(i => i != a && p.Shape[i] != first.Shape[i]))
                throw new ShapeException($"Concat: {Tensors.Shape.Format(p.Shape)} does not match {Tensors.Shape.Format(first.Shape)} except on axis {a}");
        }
        var shape = (int[])first.Shape.Clone();
        shape[a] = parts.Sum(p => p.Shape[a]);
        var y = Empty(shape, first.DType, first.Backend);
        int start = 0;
        foreach (var p in parts)
        {
            using var slot = y.Narrow(a, start, p.Shape[a]);
            first.Backend.Copy(p, slot);
            start += p.Shape[a];
        }
        return y;
    }

    /// <summary>Views of consecutive pieces of the given sizes along axis.</summary>
    public Tensor[] Split(int[] sizes, int axis)
    {
        int a = Tensors.Shape.NormalizeAxis("Split", axis, Rank);
        if (sizes.Sum() != Shape[a] || sizes.Any(s => s < 0))
            throw new ShapeException($"Split: sizes {Tensors.Shape.Format(sizes)} do not add up to axis {a} of {Tensors.Shape.Format(Shape)}");
        var result = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            result[i] = Narrow(a, start, sizes[i]);
            start += sizes[i];
        }
        return result;
    }
}
