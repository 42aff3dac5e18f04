// CpuBackend, one AdamW step in place on a parameter p with its moments m, v (all contiguous):
//   m = β1·m + (1-β1)·g
//   v = β2·v + (1-β2)·g²
//   p = p - lr · ( (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + ε) + wd·p )
// The weight decay is decoupled (applied to p, not folded into g). The scalars are formed in
// float64 and rounded once to T (the bias corrections as reciprocals, so the loop has one divide);
// the loop is one pass over the four arrays, Vector<T> wide. With a gate (ClipGate, OptimizerGate.cs)
// g is first scaled by the gate's clip coefficient (in T, the product the in-place clip formed), t is
// the gate's update count, and a skipped step returns before touching anything.
// It deliberately is not: AMSGrad, nor a fused multi-tensor update (one call per parameter).
// Follows: Loshchilov & Hutter 2019, Algorithm 2 (with bias-corrected moments as in Adam).
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    // The gate is a handful of host numbers here (this backend is the host): read and written in place.
    public void ClipGate(Tensor sumOfSquares, Tensor? loss, double maxNorm, Tensor gate)
    {
        var values = gate.ToDoubleArray();
        OptimizerGate.Next(values, sumOfSquares.Item(), loss?.Item(), maxNorm);
        CpuTensor.ByDType("ClipGate", gate.DType, WriteGate<float>, WriteGate<double>)(gate, values);
    }

    private static void WriteGate<T>(Tensor gate, double[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* slots = CpuTensor.Contiguous<T>("ClipGate", gate);
        for (int i = 0; i < values.Length; i++) slots[i] = T.CreateChecked(values[i]);
    }

    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step, Tensor? gate = null)
    {
        if (Bf16Widening.Applies(param, grad, m, v)) { Bf16Widening.Run("uruu", [param, grad, m, v], (this, step, gate), static (t, s) => s.Item1.AdamW(t[0], t[1], t[2], t[3], s.step, s.gate)); return; }
        CpuTensor.ByDType("AdamW", param.DType, AdamW<float>, AdamW<double>)(param, grad, m, v, step, gate);
    }

    private static void AdamW<T>(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step, Tensor? gate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "AdamW";
        double coefficient = 1;
        if (gate is not null)
        {
            var values = gate.ToDoubleArray();
            if (values[OptimizerGate.Update] == 0) return;                       // skipped on the device's word
            step = new AdamWStep(step.LearningRate, step.Beta1, step.Beta2, step.Epsilon, step.WeightDecay, (int)values[OptimizerGate.Updates]);
            coefficient = values[OptimizerGate.Coefficient];
        }
        var constants = new AdamWConstants<T>(step, coefficient);
        CpuParallel.For(param.Numel, 4, new AdamWBody<T>(
            CpuTensor.Contiguous<T>(op, param), CpuTensor.Contiguous<T>(op, grad),
            CpuTensor.Contiguous<T>(op, m), CpuTensor.Contiguous<T>(op, v), constants));
    }

    private readonly struct AdamWConstants<T>(AdamWStep s, double coefficient) where T : IFloatingPointIeee754<T>
    {
        public readonly T Coefficient = T.CreateChecked(coefficient);   // the clip: 1 (no scaling) unless gated
        public readonly T Beta1 = T.CreateChecked(s.Beta1), OneMinusBeta1 = T.CreateChecked(1 - s.Beta1);
        public readonly T Beta2 = T.CreateChecked(s.Beta2), OneMinusBeta2 = T.CreateChecked(1 - s.Beta2);
        // Reciprocals of the bias corrections 1 - β^t: multiplies in the loop instead of divides.
        public readonly T InverseCorrection1 = T.CreateChecked(1 / (1 - Math.Pow(s.Beta1, s.Step)));
        public readonly T InverseCorrection2 = T.CreateChecked(1 / (1 - Math.Pow(s.Beta2, s.Step)));
        public readonly T Epsilon = T.CreateChecked(s.Epsilon);
        public readonly T LearningRate = T.CreateChecked(s.LearningRate);
        public readonly T WeightDecay = T.CreateChecked(s.WeightDecay);
    }

    private readonly struct AdamWBody<T>(T* p, T* g, T* m, T* v, AdamWConstants<T> k) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(long start, long end)
        {
            long i = start;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                var b1 = new Vector<T>(k.Beta1); var c1 = new Vector<T>(k.OneMinusBeta1);
                var b2 = new Vector<T>(k.Beta2); var c2 = new Vector<T>(k.OneMinusBeta2);
                var bc1 = new Vector<T>(k.InverseCorrection1); var bc2 = new Vector<T>(k.InverseCorrection2);
                var eps = new Vector<T>(k.Epsilon); var lr = new Vector<T>(k.LearningRate); var wd = new Vector<T>(k.WeightDecay);
                var clip = new Vector<T>(k.Coefficient);
                for (; i <= end - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var gi = Vector.Load(g + i) * clip;
                    var mi = b1 * Vector.Load(m + i) + c1 * gi;
                    var vi = b2 * Vector.Load(v + i) + c2 * (gi * gi);
                    var pi = Vector.Load(p + i);
                    pi -= lr * (mi * bc1 / (Vector.SquareRoot(vi * bc2) + eps) + wd * pi);
                    mi.Store(m + i);
                    vi.Store(v + i);
                    pi.Store(p + i);
                }
            }
            for (; i < end; i++)
            {
                T gi = g[i] * k.Coefficient;
                T mi = m[i] = k.Beta1 * m[i] + k.OneMinusBeta1 * gi;
                T vi = v[i] = k.Beta2 * v[i] + k.OneMinusBeta2 * (gi * gi);
                p[i] -= k.LearningRate * (mi * k.InverseCorrection1 / (T.Sqrt(vi * k.InverseCorrection2) + k.Epsilon) + k.WeightDecay * p[i]);
            }
        }
    }
}
