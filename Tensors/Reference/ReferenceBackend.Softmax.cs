// Reference softmax and log-softmax over the last axis, in the numerically stable form:
// the row maximum is subtracted before exp, so no term overflows (the result is unchanged).
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// For every row: max = max_c x[c]; s = Σ_c exp(x[c] − max);
    /// softmax y[c] = exp(x[c] − max) / s;  log-softmax y[c] = x[c] − max − log s.
    /// </summary>
    public void Softmax(Tensor x, Tensor y, bool log)
    {
        int C = x.Shape[^1];
        foreach (var row in Rows(x))
        {
            var (max, s) = MaxAndSumExp(x, row, C);
            for (int c = 0; c < C; c++)
            {
                double shifted = Get(x, At(row, c)) - max;
                Set(y, At(row, c), log ? shifted - Math.Log(s) : Math.Exp(shifted) / s);
            }
        }
    }

    /// <summary>max_c x[row, c] and Σ_c exp(x[row, c] − max): the two passes of a stable softmax.</summary>
    private static (double Max, double SumExp) MaxAndSumExp(Tensor x, int[] row, int C)
    {
        double max = double.NegativeInfinity;
        for (int c = 0; c < C; c++) max = Math.Max(max, Get(x, At(row, c)));
        double s = 0;
        for (int c = 0; c < C; c++) s += Math.Exp(Get(x, At(row, c)) - max);
        return (max, s);
    }
}
