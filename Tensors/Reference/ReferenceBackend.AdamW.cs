// Reference AdamW step (Loshchilov & Hutter 2019, Algorithm 2): Adam's bias-corrected moments
// plus weight decay applied directly to the parameter, scaled by the learning rate and decoupled
// from the gradient. Updates param, m and v in place. With a gate (ClipGate, OptimizerGate.cs) the
// clip coefficient, the skip and the update count come from the device vector, not the host.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    public void ClipGate(Tensor sumOfSquares, Tensor? loss, double maxNorm, Tensor gate)
    {
        var values = new double[OptimizerGate.Length];
        for (int i = 0; i < values.Length; i++) values[i] = Get(gate, [i]);
        OptimizerGate.Next(values, Get(sumOfSquares, []), loss is null ? null : Get(loss, []), maxNorm);
        for (int i = 0; i < values.Length; i++) Set(gate, [i], values[i]);
    }

    /// <summary>
    /// With t = step.Step (1-based), or gate[Updates], and c = 1, or gate[Coefficient], for every element:
    ///   g = c·grad
    ///   m = β1·m + (1 − β1)·g          v = β2·v + (1 − β2)·g²
    ///   m̂ = m / (1 − β1^t)             v̂ = v / (1 − β2^t)
    ///   p = p − lr·(m̂ / (sqrt(v̂) + ε) + wd·p)
    /// and nothing at all when the gate says the step is skipped.
    /// </summary>
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step, Tensor? gate = null)
    {
        if (gate is not null && Get(gate, [OptimizerGate.Update]) == 0) return;
        var (lr, beta1, beta2, eps, wd, t) = step;
        double c = 1;
        if (gate is not null) (t, c) = ((int)Get(gate, [OptimizerGate.Updates]), Get(gate, [OptimizerGate.Coefficient]));
        foreach (var i in StridedIndex.Over(param.Shape))
        {
            double g = c * Get(grad, i), p = Get(param, i);
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
