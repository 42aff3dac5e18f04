// MoeLayer: the DeepSeekMoE feed-forward layer (eq. 9-11), and — by MoeKind — the paper's Table 1
// baselines GShard (top-2, gates renormalised), Switch (top-1, gate = score) and Hash (top-1 by a
// fixed hash of the token id, gate 1), which share every line but the routing:
//   y_t = Σ_{shared} FFN_i(u_t) + Σ_{routed} g_{i,t} · FFN_i(u_t)          eq. 9 (the block adds u_t)
// The routed path is dropless and never loops over experts: route (Router / HashRouter) -> sort the
// N·K' assignments by expert on the host (ExpertDispatch: the one sync point) -> gather rows ->
// three grouped GEMMs (StackedExperts) -> gather the rows back into token order and sum each
// token's K' choices weighted by its gates (ExpertDispatch.Scatter: gathers, no index-add).
// Same code on every backend: only Tensor/Variable ops.
//
// Parameters (Module names) and the official checkpoint names, relative to model.layers.{L}.mlp.:
//   gate.weight (E, C)                 = mlp.gate.weight [E, C]                  (absent for hash)
//   experts_gate_proj (E, C, I)        ↔ experts.{e}.gate_proj.weight [I, C] per expert, transposed
//   experts_up_proj   (E, C, I)        ↔ experts.{e}.up_proj.weight   [I, C]
//   experts_down_proj (E, I, C)        ↔ experts.{e}.down_proj.weight [C, I]
//   shared_experts.{gate,up,down}_proj.weight = the same names, width K_s·I  (absent when K_s = 0)
// OfficialTensors() lists them under the official names with read/write access; the transposes are
// StackedExperts.ToOfficial / FromOfficial.
// Expert parallel (shards given): this rank holds only its E/P routed experts (ExpertShards), the
// stacks are (E/P, C, I) / (E/P, I, C) and hold experts First.. First+E/P-1 of the same seeded
// init as one process; the sorted rows travel to their experts' ranks and back (ExpertExchange)
// between the gather and the scatter, so the gates never leave this rank. Everything else (router,
// shared experts) is replicated. The balance losses count the routing of every rank where they
// need it (seq_aux false: one batch over all ranks), and the device-level loss has D = P groups,
// one per rank (eq. 15-17), whatever n_device_groups says.
// Not here: the residual and the norm (the block), the dense FFN of MoeKind.Dense (the block).
// Follows modeling_deepseek.py's DeepseekMoE / MoEGate (training path) and Dai et al. 2024 §2-3.
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public sealed class MoeLayer : Module
{
    private readonly MoeConfig _config;
    private readonly IBackend _backend;
    private readonly DType _dtype;

    public MoeLayer(MoeConfig config, int layerIndex, double initStd, ulong seed, IBackend backend, DType dtype, ExpertShards? shards = null)
    {
        if (config.MoeKind == MoeKind.Dense || config.NRoutedExperts < 1 || config.NumExpertsPerTok < 1)
            throw new ArgumentException($"MoeLayer {layerIndex}: moe_kind {MoeKindNames.Name(config.MoeKind)} with {config.NRoutedExperts} routed experts, {config.NumExpertsPerTok} per token is not a MoE layer");
        _config = config;
        _backend = backend;
        _dtype = dtype;
        if (shards is not null && shards.Experts != config.NRoutedExperts)
            throw new ArgumentException($"MoeLayer {layerIndex}: shards of {shards.Experts} experts for a layer of {config.NRoutedExperts}");
        Shards = shards;
        LayerIndex = layerIndex;
        int C = config.HiddenSize, I = config.MoeIntermediateSize, E = config.NRoutedExperts;
        if (config.HasRouter) Gate = new Router(C, E, initStd, seed, backend, dtype);
        ExpertsGateProj = ExpertStack([E, C, I], initStd, seed + 1);
        ExpertsUpProj = ExpertStack([E, C, I], initStd, seed + 2);
        ExpertsDownProj = ExpertStack([E, I, C], initStd, seed + 3);
        if (config.NSharedExperts > 0)
            SharedExperts = new Expert(C, config.SharedIntermediateSize, initStd, seed + 4, backend, dtype);
    }

    public int LayerIndex { get; }

    /// <summary>Which routed experts this rank holds (expert parallel); null: all E, in one process or replicated.</summary>
    public ExpertShards? Shards { get; }

    /// <summary>The expert-sharded parameters (the three stacks under expert parallelism), which no other rank holds; empty otherwise.</summary>
    public IEnumerable<Parameter> ShardedParameters() =>
        Shards is null ? [] : [ExpertsGateProj, ExpertsUpProj, ExpertsDownProj];

    // The full seeded (E, ...) init, or this rank's E/P experts of it: the same weights as one process.
    private Parameter ExpertStack(int[] shape, double std, ulong seed)
    {
        var all = Tensor.RandN(shape, seed, 0, std, _dtype, _backend);
        if (Shards is null) return new Parameter(all);
        using (all)
        using (var mine = all.Narrow(0, Shards.First, Shards.PerRank))         // (E, ...) -> (E/P, ...) view
        {
            var local = Tensor.Empty(mine.Shape, _dtype, _backend);
            _backend.Copy(mine, local);                                      // a copy: the full stack is freed
            return new Parameter(local);
        }
    }

    /// <summary>The router e_i (eq. 10); null for hash layers.</summary>
    public Router? Gate { get; }

    /// <summary>(E, C, I): expert e's gate_proj, [in, out] ((E/P, C, I) under expert parallelism, likewise below).</summary>
    public Parameter ExpertsGateProj { get; }

    /// <summary>(E, C, I): expert e's up_proj, [in, out].</summary>
    public Parameter ExpertsUpProj { get; }

    /// <summary>(E, I, C): expert e's down_proj, [in, out].</summary>
    public Parameter ExpertsDownProj { get; }

    /// <summary>The K_s shared experts fused into one SwiGLU FFN of width K_s·I; null when K_s = 0.</summary>
    public Expert? SharedExperts { get; }

    /// <summary>x (B, T, C), tokenIds (B, T) int32 (read only by hash layers) -> MoeOutput.</summary>
    public MoeOutput Forward(Variable x, Tensor tokenIds, bool training, RoutingOverride? routing = null)
    {
        if (x.Rank != 3 || x.Shape[2] != _config.HiddenSize)
            throw new ShapeException($"MoeLayer {LayerIndex}: x {Shape.Format(x.Shape)} must be (B, T, {_config.HiddenSize})");
        int B = x.Shape[0], T = x.Shape[1], C = x.Shape[2], N = B * T, E = _config.NRoutedExperts;
        var u = x.Reshape(N, C);                                             // (B, T, C) -> (N, C)

        var route = Route(u, tokenIds, routing);                             // gates, indices (N, K'), scores (N, E)
        using var dispatch = ExpertDispatch.Plan(route.Indices, E);          // sort by expert (on the device)
        var xp = dispatch.Gather(u);                                         // (N, C) -> (N·K', C)
        var yp = Shards is null
            ? StackedExperts.Forward(xp, dispatch.Offsets, ExpertsGateProj, ExpertsUpProj, ExpertsDownProj) // (N·K', C)
            : RoutedOnOwners(xp, dispatch.Load.ToArray<int>());               // (N·K', C), the experts on their ranks: the counts to the host (MPI's read-back)
        var gates = route.Gates.DType == yp.DType ? route.Gates : route.Gates.Cast(yp.DType); // float32 router, bf16 experts: gates in the experts' dtype
        var routed = dispatch.Scatter(yp, gates, N);                         // (N·K', C) -> (N, C): Σ g·FFN_i(u)
        bool shared = SharedExperts is not null && routing?.DisableShared != true;
        var y = shared ? SharedExperts!.Forward(u) + routed : routed;       // eq. 9: shared (weight 1) + routed

        return new MoeOutput(y.Reshape(B, T, C), AuxLoss(route, B, T, training), dispatch.Load.Alias(), route.Indices, route.Scores);
    }

    // Expert parallel: rows to their experts' ranks, this rank's experts on what it received, rows back.
    private Variable RoutedOnOwners(Variable xp, int[] load)
    {
        using var exchange = ExpertExchange.Plan(Shards!, load, _backend);   // the counts (a collective)
        var xl = exchange.Dispatch(xp);                                      // (N·K', C) -> (R, C) rows of local experts
        var yl = StackedExperts.Forward(xl, exchange.Offsets, ExpertsGateProj, ExpertsUpProj, ExpertsDownProj); // (R, C)
        return exchange.Combine(yl);                                         // (R, C) -> (N·K', C)
    }

    private Routing Route(Variable u, Tensor tokenIds, RoutingOverride? routing)
    {
        int k = (routing?.ActiveExperts ?? _config.NumExpertsPerTok) + (routing?.DisableShared == true ? _config.NSharedExperts : 0);
        int disabled = routing?.DisabledTopExperts ?? 0;
        if (Gate is not null)
            return Gate.Forward(u, k, renormalize: _config.NormTopkProb || _config.MoeKind == MoeKind.GShard, disabled);
        if (k != 1 || disabled != 0)
            throw new ArgumentException($"MoeLayer {LayerIndex}: a hash layer routes each token to exactly one expert and has no scores to disable experts by (asked: {k} active, {disabled} disabled)");
        return HashRouter.Route(tokenIds, LayerIndex, _config.NRoutedExperts, u.Shape[0], _dtype, _backend);
    }

    // Expert-level (eq. 12) plus device-level (eq. 15) balance loss; 0 outside training or without a router.
    private Variable AuxLoss(Routing route, int B, int T, bool training)
    {
        double alpha1 = _config.AuxLossAlpha, alpha2 = _config.DeviceAuxLossAlpha;
        if (!training || route.Scores is null || (alpha1 == 0 && alpha2 == 0))
            return new Variable(Tensor.Scalar(0, ComputePrecision.Wide(_dtype), _backend));   // the losses' dtype
        var s = route.Scores.Reshape(B, T, -1);                              // (N, E) -> (B, T, E)
        using var picked = route.Indices.Reshape(B, T, -1);                  // (N, K') -> (B, T, K')
        Variable? loss = null;
        var world = Shards?.World;                                           // counts over every rank's tokens (seq_aux false)
        if (alpha1 != 0) loss = BalanceLoss.Expert(s, picked, alpha1, _config.SeqAux, world);
        if (alpha2 != 0)
        {
            int D = Shards?.Ranks ?? _config.NDeviceGroups;                  // eq. 15-17: one group per device
            var device = BalanceLoss.Device(s, picked, alpha2, D, _config.SeqAux, world);
            loss = loss is null ? device : loss + device;
        }
        return loss!;
    }

    /// <summary>
    /// Every weight under its official name relative to model.layers.{L}.mlp. (ParameterLayout's
    /// order and shapes, [out, in]); Read returns a new tensor, Write copies one in (any backend/dtype).
    /// </summary>
    public IEnumerable<(string OfficialName, int[] Shape, Func<Tensor> Read, Action<Tensor> Write)> OfficialTensors()
    {
        if (Gate is not null) yield return Whole("gate.weight", Gate.Weight);
        string[] projections = ["gate_proj", "up_proj", "down_proj"];
        Parameter[] stacks = [ExpertsGateProj, ExpertsUpProj, ExpertsDownProj];
        int first = Shards?.First ?? 0;                                      // under expert parallelism: this rank's experts only
        for (int e = 0; e < ExpertsGateProj.Shape[0]; e++)
            for (int p = 0; p < 3; p++)
            {
                var (stack, expert) = (stacks[p].Data, e);
                yield return ($"experts.{first + e}.{projections[p]}.weight", [stack.Shape[2], stack.Shape[1]],
                    () => StackedExperts.ToOfficial(stack, expert), t => StackedExperts.FromOfficial(t, stack, expert));
            }
        if (SharedExperts is not null)
            foreach (var (name, parameter) in SharedExperts.NamedParameters())
                yield return Whole("shared_experts." + name, parameter);
    }

    private static (string, int[], Func<Tensor>, Action<Tensor>) Whole(string name, Parameter p) =>
        (name, p.Shape, () => p.Data.Cast(p.DType), t =>
        {
            if (!Shape.SameShape(t.Shape, p.Shape))
                throw new ShapeException($"MoeLayer: {name} is {Shape.Format(p.Shape)}, got {Shape.Format(t.Shape)}");
            using var source = t.To(p.Data.Backend, p.DType);
            p.Data.Backend.Copy(source, p.Data);
        }
    );
}
