// ExpertAnalysis: the paper's expert-specialisation analyses of one trained MoE model on the validation split —
//   1. the plain pass: validation loss, each MoE layer's expert load, and routing by kind of text;
//   2. redundancy: disable each token's top d = round(r·E) routed experts, r ∈ {0, 1/16 … 4/16}
//      (each distinct d once, labelled d/E: few experts round two ratios alike), top-K' then taken from the rest (Model/Moe/Router.cs), and measure the loss: the faster it
//      rises, the less the remaining experts can stand in for the best ones (less redundancy);
//   3. fewer active experts: K' = 1 … configured, loss per K';
//   4. no shared expert: the K_s shared experts dropped and each token routed to K' + K_s routed
//      experts instead (the paper's 1.808 → 2.414 on the trained 2B), when the model has shared experts.
// Every point is a full pass over the same batches (ValidationPass.cs). The r = 0 and the
// K' = configured points ARE the plain pass (the same routing, so the same numbers; the tests check
// both against the trainer's evaluator). Rounding of r·E is half away from zero (E = 63: 4, 8, 12, 16).
// Hash layers route by token id and have no scores, so they get the plain pass only.
// Not here: reading a checkpoint or data (AnalyzeCommand), drawing or printing (AnalysisPlots, AnalysisTables).
using System.Diagnostics;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Analysis;

public static class ExpertAnalysis
{
    /// <summary>The paper's ratios of disabled top routed experts 0 … 4/16.</summary>
    public static readonly int[] DisabledSixteenths = [0, 1, 2, 3, 4];

    /// <summary>The kinds whose routing is compared; the separator is one token id, so its routing says nothing about kinds of text.</summary>
    public static readonly TextKind[] ComparedKinds = [TextKind.Prose, TextKind.Code, TextKind.Markup];

    /// <summary>Throws a one-line user error when the config has no MoE layer (a dense model).</summary>
    public static void RequireMoe(MoeConfig config, string source)
    {
        if (!Enumerable.Range(0, config.NumHiddenLayers).Any(config.IsMoeLayer))
            throw new Tensors.UsageException($"{source}: a {MoeKindNames.Name(config.MoeKind)} model with no MoE layer; expert load, redundancy, " +
                "active-expert and routing-by-kind analyses apply only to MoE models");
    }

    /// <summary>Routed experts to disable for a ratio of sixteenths: round(r·E), half away from zero.</summary>
    public static int DisabledCount(int sixteenths, int experts) => (int)Math.Round(sixteenths * experts / 16.0, MidpointRounding.AwayFromZero);

    /// <summary>The distinct counts round(r·E) for the paper's ratios: with few experts two ratios can round to the same count,
    /// and one pass measures it once (E = 8: 0, 1, 2; E = 63: 0, 4, 8, 12, 16).</summary>
    public static IReadOnlyList<int> DisabledCounts(int experts) => [.. DisabledSixteenths.Select(s => DisabledCount(s, experts)).Distinct()];

    /// <param name="sweeps">false: the plain pass only (loss, load, routing by kind), no redundancy or K' sweep.</param>
    public static AnalysisResult Run(DeepSeekMoe model, ValidationData data, Action<string>? progress = null, bool sweeps = true)
    {
        var config = model.Config;
        RequireMoe(config, "model");
        int E = config.NRoutedExperts, K = config.NumExpertsPerTok;
        var moeLayers = Enumerable.Range(0, config.NumHiddenLayers).Where(config.IsMoeLayer).ToArray();

        double Pass(string what, RoutingOverride routing, RoutingCounts? counts = null)
        {
            var clock = Stopwatch.StartNew();
            double loss = ValidationPass.Run(model, data, routing, counts);
            progress?.Invoke($"{what}: val loss {loss:F4} ({Training.Reporting.Wording.Count(data.Count, "batch", "batches")}, {clock.Elapsed.TotalSeconds:F1} s)");
            return loss;
        }

        var counts = new RoutingCounts(moeLayers.Length, E, Enum.GetValues<TextKind>().Length);
        double plain = Pass($"plain pass (K' = {K} of {E})", new RoutingOverride(), counts);
        var layers = moeLayers.Select((layer, i) => new LayerAnalysis(layer, LoadStats.Of(counts.Load[i]),
            data.Kinds is null ? null : KindsOf(counts.ByKind[i], K))).ToList();

        var notes = new List<string>();
        var redundancy = new List<RedundancyPoint>();
        var active = new List<ActiveExpertsPoint>();
        if (!sweeps)
            notes.Add("plain pass only: the redundancy and active-expert sweeps were not asked for");
        else if (!config.HasRouter)
            notes.Add("hash routing picks one expert by token id and has no router scores: the redundancy and active-expert sweeps do not apply");
        else
        {
            foreach (int disabled in DisabledCounts(E))
            {
                string label = $"{disabled}/{E}";
                if (disabled + K > E)
                    redundancy.Add(new((double)disabled / E, label, disabled, null, $"{disabled} disabled + {K} active exceed the {E} routed experts"));
                else
                    redundancy.Add(new((double)disabled / E, label, disabled,
                        disabled == 0 ? plain : Pass($"redundancy {label} top experts disabled", new RoutingOverride(disabled)), null));
            }
            for (int k = 1; k <= K; k++)
                active.Add(new(k, k == K ? plain : Pass($"K' = {k} of {E} active", new RoutingOverride(ActiveExperts: k))));
        }
        double? sharedDisabled = null;
        if (sweeps && config.HasRouter && config.NSharedExperts > 0)
        {
            if (K + config.NSharedExperts <= E)
                sharedDisabled = Pass($"shared experts disabled ({K + config.NSharedExperts} of {E} routed instead)", new RoutingOverride(DisableShared: true));
            else notes.Add($"the shared experts cannot be replaced: {K} + {config.NSharedExperts} routed experts exceed the {E} there are");
        }
        return new AnalysisResult(MoeKindNames.Name(config.MoeKind), E, K, config.NSharedExperts, data.Count, data.Tokens, plain,
            layers, redundancy, active, notes)
        { SharedDisabledLoss = sharedDisabled };
    }

    private static KindRouting KindsOf(long[,] byKind, int k)
    {
        var table = new long[ComparedKinds.Length, byKind.GetLength(1)];
        for (int i = 0; i < ComparedKinds.Length; i++)
            for (int e = 0; e < table.GetLength(1); e++) table[i, e] = byKind[(int)ComparedKinds[i], e];
        return KindRouting.Of(ComparedKinds.Select(KindName).ToArray(), table, k);
    }

    public static string KindName(TextKind kind) => kind.ToString().ToLowerInvariant();
}
