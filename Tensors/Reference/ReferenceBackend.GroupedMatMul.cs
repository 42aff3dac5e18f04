// Reference MoE grouped GEMMs: GroupedMatMul (forward) and its weight gradient. Rows are sorted by
// group (expert); offsets cut them into consecutive groups. Each output element is one dot product
// over the inner dimension P, summed in double.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>y[r, n] = Σ_p x[r, p] · w[g, p, n] for every row r of group g (offsets[g] ≤ r &lt; offsets[g+1]).</summary>
    public void GroupedMatMul(Tensor x, Tensor w, Tensor offsets, Tensor y)
    {
        var start = GroupStarts("GroupedMatMul", offsets, x.Shape[0]);
        int P = x.Shape[1], N = w.Shape[2];
        for (int g = 0; g < start.Length - 1; g++)
            for (int r = start[g]; r < start[g + 1]; r++)
                for (int n = 0; n < N; n++)
                {
                    double sum = 0;
                    for (int p = 0; p < P; p++)
                        sum += Get(x, [r, p]) * Get(w, [g, p, n]);
                    Set(y, [r, n], sum);
                }
    }

    /// <summary>dw[g, p, n] = Σ_{r in group g} x[r, p] · dy[r, n]; an empty group gets 0.</summary>
    public void GroupedMatMulWeightGrad(Tensor x, Tensor dy, Tensor offsets, Tensor dw)
    {
        var start = GroupStarts("GroupedMatMulWeightGrad", offsets, x.Shape[0]);
        foreach (var i in StridedIndex.Over(dw.Shape))
        {
            int g = i[0], p = i[1], n = i[2];
            double sum = 0;
            for (int r = start[g]; r < start[g + 1]; r++)
                sum += Get(x, [r, p]) * Get(dy, [r, n]);
            Set(dw, i, sum);
        }
    }

    /// <summary>Reads offsets (G+1) and checks they cut rows 0..M into G consecutive, possibly empty groups.</summary>
    private static int[] GroupStarts(string op, Tensor offsets, int rows)
    {
        var start = new int[offsets.Shape[0]];
        for (int g = 0; g < start.Length; g++)
            start[g] = (int)Get(offsets, [g]);
        bool valid = start.Length >= 1 && start[0] == 0 && start[^1] == rows;
        for (int g = 1; g < start.Length; g++)
            valid &= start[g] >= start[g - 1];
        if (!valid)
            throw new IndexRangeException($"{op}: offsets [{string.Join(", ", start)}] must rise from 0 to the row count {rows}");
        return start;
    }
}
