// Reference kernels that create and move data: Fill and Copy (with dtype conversion).
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    public void Fill(Tensor y, double value)
    {
        foreach (var i in StridedIndex.Over(y.Shape))
            Set(y, i, value);
    }

    /// <summary>y[i] = x[i]; converting dtype rounds float64→float32 and truncates float→int toward zero.</summary>
    public void Copy(Tensor x, Tensor y)
    {
        foreach (var i in StridedIndex.Over(y.Shape))
            Set(y, i, Get(x, i));
    }
}
