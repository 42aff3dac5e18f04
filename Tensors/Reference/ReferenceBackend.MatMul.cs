// Reference batched MatMul (the grouped GEMMs are in ReferenceBackend.GroupedMatMul.cs). Each
// output element is one dot product over the inner dimension P, summed in double.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>c[b, m, n] = Σ_p a[b, m, p] · b[b, p, n]; an operand with batch size 1 is shared by every b.</summary>
    public void MatMul(Tensor a, Tensor b, Tensor c)
    {
        int P = a.Shape[2];
        foreach (var i in StridedIndex.Over(c.Shape))
        {
            int batch = i[0], m = i[1], n = i[2];
            int batchA = a.Shape[0] == 1 ? 0 : batch, batchB = b.Shape[0] == 1 ? 0 : batch;
            double sum = 0;
            for (int p = 0; p < P; p++)
                sum += Get(a, [batchA, m, p]) * Get(b, [batchB, p, n]);
            Set(c, i, sum);
        }
    }
}
