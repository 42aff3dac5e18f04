// Reference indexing kernels for embeddings and MoE routing: Gather, IndexSelect, ScatterAdd,
// IndexAdd (PyTorch's semantics, named the same); TopK is in ReferenceBackend.TopK.cs. Every index read is range-checked
// (IndexRange) so a bad routing table fails naming the op, the value and the axis size.
// ScatterAdd and IndexAdd sum each element's terms in double and store it once (the accumulation's one rounding point).
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
        AddOnce(y, StridedIndex.Over(index.Shape).Select(i =>
            (StridedIndex.With(i, axis, GetIndex("ScatterAdd", index, i, axis, y.Shape[axis])), Get(source, i))));
    }

    // y[target] += term for every pair, summed in double and stored once per element: the one rounding
    // point of an accumulation in any storage dtype (a bf16 y is not rounded after each term).
    private void AddOnce(Tensor y, IEnumerable<(int[] Target, double Term)> terms)
    {
        var sums = new Dictionary<long, (int[] Target, double Sum)>();
        foreach (var (target, term) in terms)
        {
            long key = 0;
            for (int d = 0; d < target.Length; d++) key = key * y.Shape[d] + target[d];
            var (at, sum) = sums.TryGetValue(key, out var seen) ? seen : ((int[])target.Clone(), Get(y, target));
            sums[key] = (at, sum + term);
        }
        foreach (var (target, sum) in sums.Values) Set(y, target, sum);
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
        AddOnce(y, StridedIndex.Over(source.Shape).Select(i =>
            (StridedIndex.With(i, axis, GetIndex("IndexAdd", index, [i[axis]], axis, y.Shape[axis])), Get(source, i))));
    }
}
