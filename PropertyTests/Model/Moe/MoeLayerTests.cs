// MoeLayer properties on the CPU in float64: routing facts (exactly K' distinct routed experts per
// token, load = bincount, top-K' of the scores), the grouped path against the slow per-token loop
// (SlowMoe) in value AND gradient, invariance under relabelling the experts, the one-expert case
// against a dense FFN, the baselines and RoutingOverride against the same oracle, the balance loss,
// and the parameter names with their official mapping.
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Model.Moe;

namespace MoeFromScratch.PropertyTests.Model.Moe;

public sealed class MoeLayerTests
{
    private static readonly IBackend Cpu = Device.Cpu;
    private const DType F64 = DType.Float64;

    public static Arbitrary<MoeCase> Cases() => MoeCase.Draw(ranks: 1, maxExpertsPerRank: 6).ToArbitrary();

    [Property(Arbitrary = [typeof(MoeLayerTests)], MaxTest = 60)]
    public void Each_token_gets_exactly_K_distinct_routed_experts_from_the_top_of_its_scores(MoeCase c)
    {
        using var scope = new TensorScope();
        var layer = SlowMoe.Layer(c.Config(), c.Seed, Cpu, F64);
        var output = layer.Forward(new Variable(SlowMoe.Input(c, Cpu, F64)), SlowMoe.TokenIds(c, Cpu), training: false);
        int N = c.B * c.T;
        Assert.Equal([N, c.K], output.TopIndices.Shape);
        var picked = output.TopIndices.ToArray<int>();
        var s = output.Scores!.Data.ToArray<double>();
        for (int n = 0; n < N; n++)
        {
            var row = picked.Skip(n * c.K).Take(c.K).ToArray();
            Assert.All(row, e => Assert.InRange(e, 0, c.E - 1));          // routed only: a shared expert has no index
            Assert.Equal(c.K, row.Distinct().Count());
            double lowestChosen = row.Min(e => s[n * c.E + e]);
            for (int e = 0; e < c.E; e++)
                if (!row.Contains(e)) Assert.True(s[n * c.E + e] <= lowestChosen, $"token {n}: unchosen expert {e} outscores a chosen one ({c})");
            Assert.Equal(1.0, Enumerable.Range(0, c.E).Sum(e => s[n * c.E + e]), 12); // softmax over the routed experts only
        }
        var load = output.ExpertLoad.ToArray<int>();
        Assert.Equal(N * c.K, load.Sum());
        Assert.Equal(Enumerable.Range(0, c.E).Select(e => picked.Count(p => p == e)), load);
    }

    [Property(Arbitrary = [typeof(MoeLayerTests)], MaxTest = 40)]
    public void Grouped_path_equals_the_slow_loop_in_value_and_gradient(MoeCase c)
    {
        foreach (bool renormalize in new[] { false, true })
        {
            var layer = SlowMoe.Layer(c.Config(normTopk: renormalize), c.Seed, Cpu, F64);
            CompareWithOracle(layer, c, (l, x, ids) => l.Forward(x, ids, training: false).Y,
                (l, x, ids) => SlowMoe.Forward(l, x, ids, c.K, renormalize), $"{c} renormalize={renormalize}");
        }
    }

    [Property(Arbitrary = [typeof(MoeLayerTests)], MaxTest = 40)]
    public void Router_gates_are_the_softmax_scores_at_the_chosen_experts(MoeCase c)
    {
        using var scope = new TensorScope();
        var router = new Router(c.C, c.E, 0.5, (ulong)c.Seed, Cpu, F64);
        var u = new Variable(SlowMoe.Input(c, Cpu, F64).Reshape(c.B * c.T, c.C));
        var plain = router.Forward(u, c.K, renormalize: false);
        var chosen = plain.Scores!.Data.Gather(1, plain.Indices).ToArray<double>();
        ArrayAssert.Close(plain.Gates.Data.ToArray<double>(), chosen, Tolerance.Exact, $"gates vs scores ({c})"); // eq. 11, not renormalised
        var renormalized = router.Forward(u, c.K, renormalize: true).Gates.Data.ToArray<double>();
        for (int n = 0; n < c.B * c.T; n++)
            Assert.Equal(1.0, renormalized.Skip(n * c.K).Take(c.K).Sum(), 12);
    }

    [Property(Arbitrary = [typeof(MoeLayerTests)], MaxTest = 30)]
    public void Relabelling_the_experts_together_with_the_router_rows_changes_nothing(MoeCase c)
    {
        using var scope = new TensorScope();
        var a = SlowMoe.Layer(c.Config(), c.Seed, Cpu, F64);
        var b = SlowMoe.Layer(c.Config(), c.Seed + 1, Cpu, F64);
        var perm = Enumerable.Range(0, c.E).OrderBy(e => (e * 7919 + c.Seed) % 1009).ToArray(); // b's expert j is a's perm[j]
        using var index = Tensor.FromArray(perm, [c.E], Cpu);
        foreach (var (pa, pb) in new[] { (a.Gate!.Weight, b.Gate!.Weight), (a.ExpertsGateProj, b.ExpertsGateProj), (a.ExpertsUpProj, b.ExpertsUpProj), (a.ExpertsDownProj, b.ExpertsDownProj) })
            Cpu.Copy(pa.Data.IndexSelect(0, index), pb.Data);
        if (a.SharedExperts is not null)
            foreach (var ((_, pa), (_, pb)) in a.SharedExperts.NamedParameters().Zip(b.SharedExperts!.NamedParameters()))
                Cpu.Copy(pa.Data, pb.Data);

        var x = new Variable(SlowMoe.Input(c, Cpu, F64));
        var ya = a.Forward(x, SlowMoe.TokenIds(c, Cpu), training: false);
        var yb = b.Forward(x, SlowMoe.TokenIds(c, Cpu), training: false);
        ArrayAssert.Close(yb.Y.Data.ToArray<double>(), ya.Y.Data.ToArray<double>(), new(1e-12, 1e-12), $"output ({c})");
        var inverse = new int[c.E];
        for (int j = 0; j < c.E; j++) inverse[perm[j]] = j;
        Assert.Equal(ya.TopIndices.ToArray<int>().Select(e => inverse[e]), yb.TopIndices.ToArray<int>());
    }

    [Property(Arbitrary = [typeof(MoeLayerTests)], MaxTest = 30)]
    public void One_routed_expert_with_K_1_is_a_dense_FFN_with_the_same_weights(MoeCase c)
    {
        using var scope = new TensorScope();
        var one = c with { E = 1, K = 1, S = 0 };
        var layer = SlowMoe.Layer(one.Config(), c.Seed, Cpu, F64);
        var dense = new Expert(c.C, c.I, 0.5, (ulong)c.Seed + 99, Cpu, F64);
        var official = layer.OfficialTensors().ToDictionary(t => t.OfficialName);
        foreach (var (name, p) in dense.NamedParameters())
        {
            using var w = official["experts.0." + name].Read();             // [out, in], as a checkpoint holds it
            Cpu.Copy(w, p.Data);
        }
        var x = new Variable(SlowMoe.Input(c, Cpu, F64));
        var y = layer.Forward(x, SlowMoe.TokenIds(c, Cpu), training: false).Y; // softmax over one expert: gate 1
        ArrayAssert.Close(y.Data.ToArray<double>(), dense.Forward(x.Reshape(c.B * c.T, c.C)).Data.ToArray<double>(), new(1e-12, 1e-12), $"MoE vs dense ({one})");
    }

    [Property(Arbitrary = [typeof(MoeLayerTests)], MaxTest = 30)]
    public void RoutingOverride_disables_the_top_experts_and_changes_K(MoeCase c)
    {
        if (c.E < 2) return;
        int m = 1 + c.Seed % (c.E - 1), k = 1 + c.Seed / 7 % (c.E - m);    // 1 ≤ m, m + k ≤ E
        var layer = SlowMoe.Layer(c.Config(), c.Seed, Cpu, F64);
        var routing = new RoutingOverride(DisabledTopExperts: m, ActiveExperts: k);
        CompareWithOracle(layer, c, (l, x, ids) => l.Forward(x, ids, training: false, routing).Y,
            (l, x, ids) => SlowMoe.Forward(l, x, ids, k, renormalize: false, skip: m), $"{c} disabled={m} active={k}");
        using var scope = new TensorScope();
        var output = layer.Forward(new Variable(SlowMoe.Input(c, Cpu, F64)), SlowMoe.TokenIds(c, Cpu), training: false, new RoutingOverride(ActiveExperts: k));
        Assert.Equal([c.B * c.T, k], output.TopIndices.Shape);
    }

    [Property(Arbitrary = [typeof(MoeLayerTests)], MaxTest = 20)]
    public void Baselines_route_as_specified(MoeCase c)
    {
        var top1 = c with { K = 1 };
        var gshard = c with { K = Math.Min(2, c.E) };
        // Switch: top-1, gate = the raw score. GShard: top-2, gates renormalised (whatever norm_topk_prob says).
        CompareWithOracle(SlowMoe.Layer(top1.Config(MoeKind.Switch), c.Seed, Cpu, F64), top1,
            (l, x, ids) => l.Forward(x, ids, training: false).Y, (l, x, ids) => SlowMoe.Forward(l, x, ids, 1, renormalize: false), $"switch {top1}");
        CompareWithOracle(SlowMoe.Layer(gshard.Config(MoeKind.GShard), c.Seed, Cpu, F64), gshard,
            (l, x, ids) => l.Forward(x, ids, training: false).Y, (l, x, ids) => SlowMoe.Forward(l, x, ids, gshard.K, renormalize: true), $"gshard {gshard}");
        // Hash: the expert is a fixed function of (layer, token id), the gate is 1, there is nothing to learn or balance.
        CompareWithOracle(SlowMoe.Layer(top1.Config(MoeKind.Hash), c.Seed, Cpu, F64, layerIndex: 3), top1,
            (l, x, ids) => l.Forward(x, ids, training: false).Y, (l, x, ids) => SlowMoe.Forward(l, x, ids, 1, renormalize: false), $"hash {top1}");
    }

    [Fact]
    public void Hash_routing_depends_only_on_the_token_id_and_the_layer()
    {
        using var scope = new TensorScope();
        var c = new MoeCase(2, 6, 4, 3, 5, 1, 0, 1);
        var layer = SlowMoe.Layer(c.Config(MoeKind.Hash), 1, Cpu, F64, layerIndex: 2);
        var other = SlowMoe.Layer(c.Config(MoeKind.Hash), 2, Cpu, F64, layerIndex: 2);  // other weights, same layer
        var ids = Tensor.FromArray([3, 9, 3, 0, 9, 3, 1, 2, 3, 4, 5, 6], [2, 6], Cpu);
        var output = layer.Forward(new Variable(SlowMoe.Input(c, Cpu, F64)), ids, training: true);
        var picked = output.TopIndices.ToArray<int>();
        Assert.Equal(ids.ToArray<int>().Select(id => HashRouter.Expert(id, 2, 5)), picked);
        Assert.Equal(picked, other.Forward(new Variable(SlowMoe.Input(c with { Seed = 5 }, Cpu, F64)), ids, training: true).TopIndices.ToArray<int>());
        Assert.Null(output.Scores);
        Assert.Null(layer.Gate);
        Assert.Equal(0.0, output.AuxLoss.Item());
        var spread = Enumerable.Range(0, 1000).Select(id => HashRouter.Expert(id, 0, 5)).GroupBy(e => e).Select(g => g.Count()).ToArray();
        Assert.Equal(5, spread.Length);
        Assert.All(spread, n => Assert.InRange(n, 150, 250));              // roughly uniform
    }

    [Property(Arbitrary = [typeof(MoeLayerTests)], MaxTest = 30)]
    public void Aux_loss_is_the_balance_loss_in_training_and_zero_otherwise(MoeCase c)
    {
        using var scope = new TensorScope();
        int devices = c.E % 2 == 0 ? 2 : 1;
        var layer = SlowMoe.Layer(c.Config(alpha: 0.01, alpha2: 0.05, devices: devices, seqAux: c.Seed % 2 == 0), c.Seed, Cpu, F64);
        var x = new Variable(SlowMoe.Input(c, Cpu, F64));
        Assert.Equal(0.0, layer.Forward(x, SlowMoe.TokenIds(c, Cpu), training: false).AuxLoss.Item());
        var output = layer.Forward(x, SlowMoe.TokenIds(c, Cpu), training: true);

        // eq. 12-17 as loops, straight from the scores and indices the layer reports.
        var s = output.Scores!.Data.ToArray<double>();
        var picked = output.TopIndices.ToArray<int>();
        int groups = c.Seed % 2 == 0 ? c.B : 1, T = c.B * c.T / groups, per = c.E / devices;
        double expected = 0;
        for (int g = 0; g < groups; g++)
        {
            var f = new double[c.E];
            var p = new double[c.E];
            for (int t = g * T; t < (g + 1) * T; t++)
            {
                for (int k = 0; k < c.K; k++) f[picked[t * c.K + k]] += (double)c.E / (c.K * T);
                for (int e = 0; e < c.E; e++) p[e] += s[t * c.E + e] / T;
            }
            for (int e = 0; e < c.E; e++) expected += 0.01 * f[e] * p[e] / groups;
            for (int d = 0; d < devices; d++)
                expected += 0.05 * Enumerable.Range(d * per, per).Average(j => f[j]) * Enumerable.Range(d * per, per).Sum(j => p[j]) / groups;
        }
        Assert.Equal(expected, output.AuxLoss.Item(), 12);
    }

    [Fact]
    public void Parameter_names_and_the_official_mapping()
    {
        using var scope = new TensorScope();
        var config = new MoeCase(1, 1, 6, 4, 3, 2, 2, 0).Config() with { NumHiddenLayers = 2, NumAttentionHeads = 1, NumKeyValueHeads = 1, IntermediateSize = 8, FirstKDenseReplace = 1, MoeLayerFreq = 1 };
        var layer = SlowMoe.Layer(config, 1, Cpu, F64, layerIndex: 1);
        Assert.Equal(
            ["gate.weight", "experts_gate_proj", "experts_up_proj", "experts_down_proj", "shared_experts.gate_proj.weight", "shared_experts.up_proj.weight", "shared_experts.down_proj.weight"],
            layer.NamedParameters().Select(p => p.Name));
        Assert.Equal([3, 6, 4], layer.ExpertsGateProj.Shape);
        Assert.Equal([3, 4, 6], layer.ExpertsDownProj.Shape);
        Assert.Equal([8, 6], layer.SharedExperts!.GateProj.Weight.Shape);    // K_s · I fused

        // The same names, order and [out, in] shapes as ParameterLayout's layer 1 MLP.
        var layout = ParameterLayout.Of(config).Where(p => p.Name.StartsWith("model.layers.1.mlp.", StringComparison.Ordinal)).ToArray();
        var official = layer.OfficialTensors().ToArray();
        Assert.Equal(layout.Select(p => p.Name["model.layers.1.mlp.".Length..]), official.Select(t => t.OfficialName));
        Assert.Equal(layout.Select(p => p.Shape), official.Select(t => t.Shape));

        // Read gives [out, in] = the stacked slice transposed; Write of what Read gave changes nothing;
        // Write of new values lands in the right slice.
        var stacked = layer.ExpertsUpProj.Data.ToArray<double>();
        using var up1 = official.Single(t => t.OfficialName == "experts.1.up_proj.weight").Read();
        Assert.Equal([4, 6], up1.Shape);
        var read = up1.ToArray<double>();
        for (int o = 0; o < 4; o++)
            for (int i = 0; i < 6; i++) Assert.Equal(stacked[1 * 24 + i * 4 + o], read[o * 6 + i]);
        foreach (var t in official) { using var w = t.Read(); t.Write(w); }
        Assert.Equal(stacked, layer.ExpertsUpProj.Data.ToArray<double>());
        using var ramp = Tensor.FromArray(Enumerable.Range(0, 24).Select(v => (float)v).ToArray(), [4, 6], Cpu); // float32: Write converts
        official.Single(t => t.OfficialName == "experts.2.up_proj.weight").Write(ramp);
        var after = layer.ExpertsUpProj.Data.ToArray<double>();
        for (int o = 0; o < 4; o++)
            for (int i = 0; i < 6; i++) Assert.Equal(o * 6 + i, after[2 * 24 + i * 4 + o]);
        Assert.Equal(stacked[..48], after[..48]);
    }

    // Runs the layer and the oracle forward and backward with the same output seed; compares y and
    // the gradients of every parameter and of x.
    internal static void CompareWithOracle(MoeLayer layer, MoeCase c, Func<MoeLayer, Variable, Tensor, Variable> fast,
        Func<MoeLayer, Variable, Tensor, Variable> slow, string what)
    {
        var (yFast, gFast) = RunBackward(layer, c, fast);
        var (ySlow, gSlow) = RunBackward(layer, c, slow);
        ArrayAssert.Close(yFast, ySlow, new(1e-10, 1e-10), $"output ({what})");
        foreach (var name in gSlow.Keys)
            ArrayAssert.Close(gFast[name], gSlow[name], new(1e-10, 1e-10), $"d{name} ({what})");
    }

    internal static (double[] Y, Dictionary<string, double[]> Grads) RunBackward(MoeLayer layer, MoeCase c, Func<MoeLayer, Variable, Tensor, Variable> forward)
    {
        using var scope = new TensorScope();
        layer.ZeroGrad();
        var x = new Variable(SlowMoe.Input(c, Cpu, F64), requiresGrad: true);
        var y = forward(layer, x, SlowMoe.TokenIds(c, Cpu));
        y.Backward(Tensor.RandN(y.Shape, 77, 0, 1, F64, Cpu));
        var grads = layer.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToArray<double>());
        grads["x"] = x.Grad!.ToArray<double>();
        return (y.Data.ToArray<double>(), grads);
    }
}
