// Reference rotary position embedding (RoPE, rotate-half layout as in HF Llama / DeepSeek:
// dimension i pairs with i + HS/2, not with its neighbour). Follows Su et al. 2021 (RoFormer), eq. 34.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// x, y: (B, T, NH, HS). For pair i in 0..HS/2 with h = HS/2: freq_i = theta^(−2i/HS),
    /// angle = (positionOffset + t) · freq_i (negated when inverse), and
    ///   y[i]     = x[i] · cos(angle) − x[i + h] · sin(angle)
    ///   y[i + h] = x[i + h] · cos(angle) + x[i] · sin(angle)
    /// The inverse rotation is the transpose, hence also the gradient.
    /// </summary>
    public void Rope(Tensor x, Tensor y, int positionOffset, double theta, bool inverse)
    {
        int HS = x.Shape[3], h = HS / 2;
        foreach (var head in StridedIndex.Over(x.Shape[..3]))
        {
            int t = head[1];
            for (int i = 0; i < h; i++)
            {
                double freq = Math.Pow(theta, -2.0 * i / HS);
                double angle = (positionOffset + t) * freq * (inverse ? -1 : 1);
                double first = Get(x, At(head, i)), second = Get(x, At(head, i + h));
                Set(y, At(head, i), first * Math.Cos(angle) - second * Math.Sin(angle));
                Set(y, At(head, i + h), second * Math.Cos(angle) + first * Math.Sin(angle));
            }
        }
    }
}
