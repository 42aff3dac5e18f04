// Balance losses (eq. 12-17) against loops written straight from the paper's formulas, in value
// and gradient (the gradient flows through P only: dL/ds_{i,t} = α·f_i / T per group, averaged
// over groups), plus the paper's anchor: perfectly uniform routing costs exactly α.
// Runs on the ReferenceBackend, whose kernels are the specification.
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Model.Moe;

public sealed record RoutingCase(int B, int T, int E, int K, int D, bool PerSequence, int Seed)
{
    public override string ToString() => $"B={B} T={T} E={E} K={K} D={D} perSequence={PerSequence} seed={Seed}";
}

public sealed class BalanceLossTests
{
    private static readonly IBackend Reference = new ReferenceBackend();

    public static Arbitrary<RoutingCase> Cases() =>
        (from b in Gen.Choose(1, 3)
         from t in Gen.Choose(1, 6)
         from d in Gen.Choose(1, 4)
         from perDevice in Gen.Choose(1, 3)
         from k in Gen.Choose(1, d * perDevice)
         from perSequence in Gen.Elements(false, true)
         from seed in Gen.Choose(0, 1_000_000)
         select new RoutingCase(b, t, d * perDevice, k, d, perSequence, seed)).ToArbitrary();

    [Property(Arbitrary = [typeof(BalanceLossTests)], MaxTest = 100)]
    public void Matches_the_paper_in_value_and_gradient(RoutingCase c)
    {
        var (s, picked) = Routing(c);
        var (expertLoss, expertGrad) = Oracle(c, s, picked, deviceLevel: false);
        var (deviceLoss, deviceGrad) = Oracle(c, s, picked, deviceLevel: true);

        Check(c, s, picked, scores => BalanceLoss.Expert(scores, Indices(c, picked), 0.01, c.PerSequence), 0.01 * expertLoss, expertGrad.Select(g => 0.01 * g).ToArray());
        Check(c, s, picked, scores => BalanceLoss.Device(scores, Indices(c, picked), 0.05, c.D, c.PerSequence), 0.05 * deviceLoss, deviceGrad.Select(g => 0.05 * g).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Uniform_routing_costs_exactly_alpha(bool perSequence)
    {
        // 8 experts, 2 per token; token t picks (2t, 2t+1) mod 8, so over 8 tokens each is picked twice.
        var c = new RoutingCase(2, 8, 8, 2, 4, perSequence, 0);
        var picked = Enumerable.Range(0, c.B * c.T).SelectMany(n => new[] { 2 * n % 8, (2 * n + 1) % 8 }).ToArray();
        using var scores = new Variable(Tensor.Full([c.B, c.T, c.E], 1.0 / c.E, DType.Float64, Reference));
        using var indices = Indices(c, picked);
        Assert.Equal(0.01, BalanceLoss.Expert(scores, indices, 0.01, perSequence).Item(), 12);
        Assert.Equal(0.05, BalanceLoss.Device(scores, indices, 0.05, 4, perSequence).Item(), 12);
    }

    [Fact]
    public void Collapsed_routing_costs_alpha_times_E_over_K()
    {
        // Every token picks experts 0 and 1 and gives them all its score: f_0 = f_1 = E/K, P_0 + P_1 = 1.
        var c = new RoutingCase(1, 4, 8, 2, 1, false, 0);
        var s = new double[c.T * c.E];
        for (int t = 0; t < c.T; t++) { s[t * c.E] = 0.5; s[t * c.E + 1] = 0.5; }
        using var scores = new Variable(Tensor.FromArray(s, [1, c.T, c.E], Reference));
        using var indices = Indices(c, Enumerable.Range(0, c.T).SelectMany(_ => new[] { 0, 1 }).ToArray());
        Assert.Equal(0.01 * 8 / 2, BalanceLoss.Expert(scores, indices, 0.01, false).Item(), 12);
    }

    [Fact]
    public void Device_groups_must_split_the_experts_evenly()
    {
        var c = new RoutingCase(1, 2, 6, 1, 4, false, 0);
        using var scores = new Variable(Tensor.Full([1, 2, 6], 1.0 / 6, DType.Float64, Reference));
        using var indices = Indices(c, [0, 1]);
        Assert.Throws<ArgumentException>(() => BalanceLoss.Device(scores, indices, 0.05, 4, false));
    }

    // ---- the oracle: eq. 12-17 as loops ------------------------------------------------------------

    // Returns Σ_groups-mean of Σ f·P (without α) and its gradient with respect to every s_{i,t}.
    private static (double Loss, double[] Grad) Oracle(RoutingCase c, double[] s, int[] picked, bool deviceLevel)
    {
        int groups = c.PerSequence ? c.B : 1, T = c.B * c.T / groups, per = c.E / c.D;
        double loss = 0;
        var grad = new double[s.Length];
        for (int g = 0; g < groups; g++)
        {
            var f = new double[c.E];
            var p = new double[c.E];
            for (int t = 0; t < T; t++)
            {
                int token = g * T + t;
                for (int k = 0; k < c.K; k++) f[picked[token * c.K + k]] += (double)c.E / (c.K * T); // eq. 13
                for (int i = 0; i < c.E; i++) p[i] += s[token * c.E + i] / T;                        // eq. 14
            }
            // The weight each P_i gets: f_i (eq. 12), or f'_d of its device (eq. 15-17: Σ_d f'_d Σ_{j∈d} P_j).
            var weight = new double[c.E];
            for (int i = 0; i < c.E; i++)
                weight[i] = deviceLevel ? Enumerable.Range(i / per * per, per).Average(j => f[j]) : f[i];
            for (int i = 0; i < c.E; i++) loss += weight[i] * p[i] / groups;
            for (int t = 0; t < T; t++)
                for (int i = 0; i < c.E; i++) grad[(g * T + t) * c.E + i] = weight[i] / T / groups;
        }
        return (loss, grad);
    }

    private static void Check(RoutingCase c, double[] s, int[] picked, Func<Variable, Variable> loss, double expected, double[] expectedGrad)
    {
        using var scope = new TensorScope();
        var scores = new Variable(Tensor.FromArray(s, [c.B, c.T, c.E], Reference), requiresGrad: true);
        var l = loss(scores);
        Assert.Equal(expected, l.Item(), 12);
        l.Backward();
        var grad = scores.Grad!.ToArray<double>();
        // Strictly below 1e-12, as ≤ on the double just below it.
        ArrayAssert.Close(grad, expectedGrad, Tolerance.Absolute(Math.BitDecrement(1e-12)), "dL/ds", c.ToString(), [c.B, c.T, c.E]);
    }

    // Softmax scores and K distinct experts per token, seeded.
    private static (double[] Scores, int[] Picked) Routing(RoutingCase c)
    {
        var random = new Random(c.Seed);
        int n = c.B * c.T;
        var s = new double[n * c.E];
        var picked = new int[n * c.K];
        for (int t = 0; t < n; t++)
        {
            var logits = Enumerable.Range(0, c.E).Select(_ => random.NextDouble() * 4).ToArray();
            double z = logits.Sum(Math.Exp);
            for (int i = 0; i < c.E; i++) s[t * c.E + i] = Math.Exp(logits[i]) / z;
            var experts = Enumerable.Range(0, c.E).OrderBy(_ => random.Next()).Take(c.K).ToArray();
            experts.CopyTo(picked, t * c.K);
        }
        return (s, picked);
    }

    private static Tensor Indices(RoutingCase c, int[] picked) => Tensor.FromArray(picked, [c.B, c.T, c.K], Reference);
}
