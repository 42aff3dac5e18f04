// The fused causal attention (Variable.Attention, one kernel each way) against the composition it
// replaces (Composite.CausalAttention: MatMul, an additive −∞ mask, Softmax, MatMul), values and
// the gradients of q, k and v, as an FsCheck property on the reference backend in float64 and the
// CPU backend in float64 and float32. Shapes: T from 1, odd, and past the CPU's query tile (32) and
// key tile (64) without being a multiple of either; TK − T earlier positions as a KV cache holds
// them, with k and v read as a view of a longer cache (its strides, not a copy); B and NH above 1.
// The finite-difference check of both forms is the GradCheckCatalog entry ("attention",
// "attention_composite"); the model's layer on both paths is ModelTests / PackedBatchesTests.
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Autograd;

public enum AttentionSide { ReferenceFloat64, CpuFloat64, CpuFloat32 }

public class FusedAttentionTests
{
    private static readonly IBackend Reference = new ReferenceBackend();

    [Property(MaxTest = 30)]
    public void Fused_attention_matches_the_composition_in_value_and_gradient(
        AttentionSide side, byte b, byte t, byte h, byte hs, byte cached, bool longRows, int seed)
    {
        var (backend, dtype) = side switch
        {
            AttentionSide.ReferenceFloat64 => (Reference, DType.Float64),
            AttentionSide.CpuFloat64 => (Device.Cpu, DType.Float64),
            _ => (Device.Cpu, DType.Float32),
        };
        int B = 1 + b % 2, NH = 1 + h % 3, HS = 1 + hs % 8;
        int T = 1 + t % 9 + (longRows ? 60 : 0), TK = T + cached % 12;             // T in 1..9 or 61..69; TK − T cached positions
        FusedMatchesComposite(backend, dtype, B, T, NH, HS, TK, seed, side.ToString());
    }

    /// <summary>
    /// The comparison itself, for any backend with the fused kernel (the Vulkan tests call it too):
    /// out, dq, dk, dv of the fused op and of the composition, on random q, k, v, dout, k a view of a longer cache.
    /// </summary>
    internal static void FusedMatchesComposite(IBackend backend, DType dtype, int B, int T, int NH, int HS, int TK, int seed, string label)
    {
        using var scope = new TensorScope();
        var q = Tensor.RandN([B, T, NH, HS], (ulong)seed, dtype: dtype, backend: backend);
        var cache = Tensor.RandN([B, TK + 3, NH, HS], (ulong)seed + 1, dtype: dtype, backend: backend);
        var k = cache.Narrow(1, 0, TK);                                              // (B, TK, NH, HS) view of a longer cache
        var v = Tensor.RandN([B, TK, NH, HS], (ulong)seed + 2, dtype: dtype, backend: backend);
        var dout = Tensor.RandN([B, T, NH, HS], (ulong)seed + 3, dtype: dtype, backend: backend);

        var fused = ValueAndGradients(Variable.Attention, dout, q, k, v);
        var composite = ValueAndGradients(Composite.CausalAttention, dout, q, k, v);

        // Both forms sum the same terms (HS-long dot products, TK-long softmax sums and P·V sums, and in
        // the backward T-long sums over queries) in different orders: each result is off by about
        // (terms) · eps relative to the largest term, at most ~100 · eps here (~200 at HS 128).
        // float64: 1e-10 (eps 1.1e-16); float32: 1e-4 (eps 6e-8, ≥ 8× the worst order-of-summation
        // error). The largest term is at least the result's own magnitude, and at least the product
        // of its operands' magnitudes (a gradient may cancel to ~0, e.g. dq at T = TK = 1, where only
        // rounding is left):
        //   out: |v|;  dq: |dO|·|v|·|k|·√HS;  dk: |dO|·|v|·|q|·√HS;  dv: |dO|   (max |·| over the tensor)
        // A wrong mask, a missing tile or a dropped correction factor is off by O(1) of that.
        double relative = dtype == DType.Float64 ? 1e-10 : 1e-4;
        double dO = MaxAbs(dout), root = Math.Sqrt(HS);
        double[] floors = [MaxAbs(v), dO * MaxAbs(v) * MaxAbs(k) * root, dO * MaxAbs(v) * MaxAbs(q) * root, dO];
        string[] names = ["out", "dq", "dk", "dv"];
        string context = $"{label} B {B} T {T} NH {NH} HS {HS} TK {TK} seed {seed}";
        for (int i = 0; i < names.Length; i++)
        {
            double magnitude = Math.Max(composite[i].Max(Math.Abs), floors[i]);
            ArrayAssert.Close(fused[i], composite[i], new(relative * magnitude, 0), $"attention {names[i]} (fused vs composite)", context);
        }
    }

    private static double MaxAbs(Tensor x) => x.ToDoubleArray().Max(Math.Abs);

    /// <summary>[out, dq, dk, dv] of f(q, k, v) seeded with dout.</summary>
    private static double[][] ValueAndGradients(Func<Variable, Variable, Variable, Variable> f, Tensor dout, params Tensor[] inputs)
    {
        var leaves = inputs.Select(x => new Variable(x, requiresGrad: true)).ToArray();
        var y = f(leaves[0], leaves[1], leaves[2]);
        y.Backward(dout);
        return [y.Data.ToDoubleArray(), .. leaves.Select(l => l.Grad!.ToDoubleArray())];
    }
}
