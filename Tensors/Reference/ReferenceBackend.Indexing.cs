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

    /// <summary>Experts in order, and within one the assignments in order (what makes it stable): O(E·N·K).</summary>
    public void SortByExpert(Tensor indices, Tensor offsets, Tensor slot, Tensor position, Tensor token)
    {
        int N = indices.Shape[0], K = indices.Shape[1], E = offsets.Shape[0] - 1;
        int row = 0;
        for (int e = 0; e < E; e++)
        {
            Set(offsets, [e], row);
            for (int n = 0; n < N; n++)
                for (int k = 0; k < K; k++)
                {
                    if (GetIndex("SortByExpert", indices, [n, k], 1, E) != e) continue;
                    Set(slot, [row], n * K + k);
                    Set(position, [n * K + k], row);
                    Set(token, [row], n);
                    row++;
                }
        }
        Set(offsets, [E], row);
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
