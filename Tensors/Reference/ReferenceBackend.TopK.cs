// Reference TopK along the last axis (MoE routing picks each token's K experts with it): a stable
// sort by value descending, so ties keep the lower column first.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// For every row over the last axis: order the columns by value descending, equal values by
    /// column ascending, and keep the first k: values[row, r] = x[row, c_r], indices[row, r] = c_r.
    /// </summary>
    public void TopK(Tensor x, int k, Tensor values, Tensor indices)
    {
        int C = x.Shape[^1];
        foreach (var row in Rows(x))
        {
            var ranked = Enumerable.Range(0, C)
                .OrderByDescending(c => Get(x, At(row, c)))
                .ThenBy(c => c)
                .Take(k)
                .ToArray();
            for (int r = 0; r < k; r++)
            {
                Set(values, At(row, r), Get(x, At(row, ranked[r])));
                Set(indices, At(row, r), ranked[r]);
            }
        }
    }
}
