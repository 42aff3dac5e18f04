// Reference AdamW step (Loshchilov & Hutter 2019, Algorithm 2): Adam's bias-corrected moments
// plus weight decay applied directly to the parameter, scaled by the learning rate and decoupled
// from the gradient. Updates param, m and v in place.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// With t = step.Step (1-based), for every element:
    ///   m = β1·m + (1 − β1)·g          v = β2·v + (1 − β2)·g²
    ///   m̂ = m / (1 − β1^t)             v̂ = v / (1 − β2^t)
    ///   p = p − lr·(m̂ / (sqrt(v̂) + ε) + wd·p)
    /// </summary>
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step)
    {
        var (lr, beta1, beta2, eps, wd, t) = step;
        foreach (var i in StridedIndex.Over(param.Shape))
        {
            double g = Get(grad, i), p = Get(param, i);
            double mi = beta1 * Get(m, i) + (1 - beta1) * g;
            double vi = beta2 * Get(v, i) + (1 - beta2) * g * g;
            double mHat = mi / (1 - Math.Pow(beta1, t));
            double vHat = vi / (1 - Math.Pow(beta2, t));
            Set(m, i, mi);
            Set(v, i, vi);
            Set(param, i, p - lr * (mHat / (Math.Sqrt(vHat) + eps) + wd * p));
        }
    }
}
