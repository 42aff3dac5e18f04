// SlowMoe: the readable oracle of MoeLayer — eq. 9-11 as a loop over tokens and their chosen
// experts, each expert run with plain matmuls on its own slice of the stacked weights. No sort, no
// grouped GEMM, no gather/scatter: if MoeLayer and this agree in value and gradient, the dispatch is
// right. Top-K' is picked on the host by sorting each token's scores (ties: lower index first).
// Also here: the small configs and layers the MoE tests share.
using MoeFromScratch.Model.Moe;

namespace MoeFromScratch.PropertyTests.Model.Moe;

/// <summary>A small MoE layer shape: tokens B·T, width C, expert width I, E routed of which K active, S shared.</summary>
public sealed record MoeCase(int B, int T, int C, int I, int E, int K, int S, int Seed)
{
    public MoeConfig Config(MoeKind kind = MoeKind.DeepSeek, bool normTopk = false, double alpha = 0, double alpha2 = 0, int devices = 1, bool seqAux = true) => new()
    {
        VocabSize = 50,
        HiddenSize = C,
        MoeIntermediateSize = I,
        NRoutedExperts = E,
        NumExpertsPerTok = K,
        NSharedExperts = S,
        MoeKind = kind,
        NormTopkProb = normTopk,
        AuxLossAlpha = alpha,
        DeviceAuxLossAlpha = alpha2,
        NDeviceGroups = devices,
        SeqAux = seqAux,
    };

    public override string ToString() => $"B={B} T={T} C={C} I={I} E={E} K={K} S={S} seed={Seed}";

    /// <summary>
    /// The draws every MoE layer property shares, for a layer split over <paramref name="ranks"/>
    /// (1: one process): B = ranks·b sequences and E = ranks·e experts, so both divide by the ranks.
    /// One axis range a line; zeros of S and K = E (every expert active) occur.
    /// </summary>
    public static Gen<MoeCase> Draw(int ranks, int maxExpertsPerRank) =>
        from b in Gen.Choose(1, 2)
        from t in Gen.Choose(1, 4)
        from c in Gen.Choose(1, 5)
        from i in Gen.Choose(1, 4)
        from e in Gen.Choose(1, maxExpertsPerRank)
        from k in Gen.Choose(1, ranks * e)
        from s in Gen.Choose(0, 2)
        from seed in Gen.Choose(0, 1_000_000)
        select new MoeCase(ranks * b, t, c, i, ranks * e, k, s, seed);
}

internal static class SlowMoe
{
    /// <summary>A layer with weights large enough (std 0.5) that routing and outputs are not all near zero.</summary>
    public static MoeLayer Layer(MoeConfig config, int seed, IBackend backend, DType dtype, int layerIndex = 0) =>
        new(config, layerIndex, initStd: 0.5, (ulong)seed, backend, dtype);

    public static Tensor Input(MoeCase c, IBackend backend, DType dtype) =>
        Tensor.RandN([c.B, c.T, c.C], (ulong)c.Seed + 1000, 0, 1, dtype, backend);

    public static Tensor TokenIds(MoeCase c, IBackend backend) =>
        Tensor.FromArray(Enumerable.Range(0, c.B * c.T).Select(n => (n * 7 + c.Seed) % 11).ToArray(), [c.B, c.T], backend);

    /// <summary>
    /// y (B, T, C) = Σ shared FFN(u) + Σ_{chosen i} g_i FFN_i(u), token by token. The chosen experts are
    /// ranks skip..skip+k-1 of the scores; gates are the scores (renormalised over the chosen when asked).
    /// Hash layers (no Gate) pick HashRouter.Expert with gate 1.
    /// </summary>
    public static Variable Forward(MoeLayer layer, Variable x, Tensor tokenIds, int k, bool renormalize, int skip = 0)
    {
        int B = x.Shape[0], T = x.Shape[1], C = x.Shape[2], N = B * T;
        var u = x.Reshape(N, C);
        var scores = layer.Gate is null ? null : Composite.Softmax(u.MatMul(layer.Gate.Weight.MT)); // (N, E)
        var s = scores?.Data.ToDoubleArray();
        var ids = tokenIds.ToArray<int>();
        int E = layer.ExpertsGateProj.Shape[0];
        var rows = new List<Variable>();
        for (int n = 0; n < N; n++)
        {
            var un = u.Narrow(0, n, 1);                                                        // (1, C)
            int[] chosen = s is null
                ? [HashRouter.Expert(ids[n], layer.LayerIndex, E)]
                : Enumerable.Range(0, E).OrderByDescending(i => s[n * E + i]).ThenBy(i => i).Skip(skip).Take(k).ToArray();
            var gates = chosen.Select(e => scores is null
                ? new Variable(Tensor.Ones([1, 1], x.DType, x.Backend))
                : scores.Narrow(0, n, 1).Narrow(1, e, 1)).ToList();                            // (1, 1) each
            if (renormalize)
            {
                var total = gates.Aggregate((a, b) => a + b);
                gates = gates.Select(g => g / total).ToList();
            }
            var yn = layer.SharedExperts?.Forward(un);                                         // weight 1, outside the softmax
            for (int j = 0; j < chosen.Length; j++)
            {
                int e = chosen[j];
                var h = Functional.SwiGlu(un.MatMul(layer.ExpertsGateProj.Select(0, e)), un.MatMul(layer.ExpertsUpProj.Select(0, e)));
                var ffn = h.MatMul(layer.ExpertsDownProj.Select(0, e));                        // (1, C)
                yn = yn is null ? gates[j] * ffn : yn + gates[j] * ffn;
            }
            rows.Add(yn!);
        }
        return Variable.Concat(rows, 0).Reshape(B, T, C);
    }
}
