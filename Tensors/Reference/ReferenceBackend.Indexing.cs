// Reference indexing kernels for embeddings and MoE routing: Gather, IndexSelect, ScatterAdd,
// IndexAdd (PyTorch's semantics, named the same); TopK is in ReferenceBackend.TopK.cs. Every index read is range-checked
// (IndexRange) so a bad routing table fails naming the op, the value and the axis size.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>y[i] = x[i with i[axis] = index[i]]; y has index's shape.</summary>
    public void Gather(Tensor x, int axis, Tensor index, Tensor y)
    {
        foreach (var i in StridedIndex.Over(y.Shape))
        {
            int j = GetIndex("Gather", index, i, axis, x.Shape[axis]);
            Set(y, i, Get(x, StridedIndex.With(i, axis, j)));
        }
    }

    /// <summary>y[i] = x[i with i[axis] = index[i[axis]]]; index is 1-D.</summary>
    public void IndexSelect(Tensor x, int axis, Tensor index, Tensor y)
    {
        foreach (var i in StridedIndex.Over(y.Shape))
        {
            int j = GetIndex("IndexSelect", index, [i[axis]], axis, x.Shape[axis]);
            Set(y, i, Get(x, StridedIndex.With(i, axis, j)));
        }
    }

    /// <summary>In place: y[i with i[axis] = index[i]] += source[i] for every i of index's shape.</summary>
    public void ScatterAdd(Tensor y, int axis, Tensor index, Tensor source)
    {
        foreach (var i in StridedIndex.Over(index.Shape))
        {
            var target = StridedIndex.With(i, axis, GetIndex("ScatterAdd", index, i, axis, y.Shape[axis]));
            Set(y, target, Get(y, target) + Get(source, i));
        }
    }

    /// <summary>In place: y[i with i[axis] = index[i[axis]]] += source[i] for every i of source's shape.</summary>
    public void IndexAdd(Tensor y, int axis, Tensor index, Tensor source)
    {
        foreach (var i in StridedIndex.Over(source.Shape))
        {
            var target = StridedIndex.With(i, axis, GetIndex("IndexAdd", index, [i[axis]], axis, y.Shape[axis]));
            Set(y, target, Get(y, target) + Get(source, i));
        }
    }
}
