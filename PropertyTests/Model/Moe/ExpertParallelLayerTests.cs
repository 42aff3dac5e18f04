// A MoE layer split over P ranks (ThreadedWorld, expert parallel: each rank holds E/P experts and
// B/P sequences) against the same layer in one process, float64 on the ReferenceBackend, forward
// and backward, with both balance losses on (seq_aux true and false; D = P device groups).
// The objective of rank r is Σ y_r·seed_r + aux_r / P, so the sum over the ranks is the single
// process's Σ y·seed + aux (the aux losses are means over sequences, or use global counts).
//   y: exact. Each expert sees the same rows in the same order as in one process (ExpertExchange's
//      (expert, source) order), and every other op is row by row.
//   expert gradients (on their owner, no reduction): bound 1e-12 abs + 1e-12 rel; the rows and
//      their order are the same, but a row's gradient through the aux loss is (α·f/T_r)/P there and
//      α·f/T here, one rounding apart.
//   replicated gradients (router, shared experts), summed over the ranks, and dx: the same bound;
//      a sum over N terms regrouped by rank differs by a few ulps of Σ|terms| (here O(1)).
// Experts that receive nothing and ranks whose tokens all go elsewhere occur in the draws (E up to
// 8 experts, N/P down to 1 token).
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.PropertyTests.Distributed;
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Model.Moe;

public sealed record ParallelLayerCase(int Ranks, MoeCase Layer, bool SeqAux)
{
    public override string ToString() => $"P={Ranks} {Layer} seqAux={SeqAux}";
}

public sealed class ExpertParallelLayerTests
{
    private static readonly IBackend Reference = new ReferenceBackend();
    private const DType F64 = DType.Float64;
    private static readonly Tolerance RoundOff = new(1e-12, 1e-12);

    // E up to 4·2 = 8 experts, N/P down to 1 token: experts and ranks that receive nothing occur.
    public static Arbitrary<ParallelLayerCase> Cases() =>
        (from p in Gen.Choose(1, 4)
         from layer in MoeCase.Draw(p, maxExpertsPerRank: 2)
         from seqAux in Gen.Elements(false, true)
         select new ParallelLayerCase(p, layer, seqAux)).ToArbitrary();

    [Property(Arbitrary = [typeof(ExpertParallelLayerTests)], MaxTest = 40)]
    public void P_ranks_compute_the_single_process_layer_in_value_and_gradient(ParallelLayerCase c)
    {
        var single = ThreadedWorld.Run(1, world => Run(c, world, expertParallel: false))[0];
        var ranks = ThreadedWorld.Run(c.Ranks, world => Run(c, world, expertParallel: true));
        string replay = c.ToString();

        ArrayAssert.Close(Concat(ranks.Select(r => r.Y)), single.Y, Tolerance.Exact, "y", replay);
        ArrayAssert.Close(Concat(ranks.Select(r => r.Dx)), single.Dx, RoundOff, "dx", replay);
        ArrayAssert.Close(ranks.Select(r => r.Aux).ToArray(), ranks.Select(_ => single.Aux).ToArray(), RoundOff, "mean aux over the ranks", replay);
        foreach (var (name, expected) in single.Grads)
        {
            bool sharded = name.StartsWith("experts_");
            var actual = sharded
                ? Concat(ranks.Select(r => r.Grads[name]))                           // rank r holds experts [r·E/P, (r+1)·E/P)
                : Sum(ranks.Select(r => r.Grads[name]));                             // every rank's share of a replicated weight
            ArrayAssert.Close(actual, expected, RoundOff, "d" + name, replay);
        }
    }

    private sealed record Result(double[] Y, double[] Dx, double Aux, Dictionary<string, double[]> Grads);

    // One rank (or the single process): its B/P sequences through the layer, the objective, backward.
    private static Result Run(ParallelLayerCase c, ICommunicator world, bool expertParallel)
    {
        using var scope = new TensorScope();
        var m = c.Layer;
        var config = m.Config(alpha: 0.01, alpha2: 0.05, devices: c.Ranks, seqAux: c.SeqAux);
        var shards = expertParallel ? new ExpertShards(world, m.E) : null;
        var layer = new MoeLayer(config, 0, initStd: 0.5, (ulong)m.Seed, Reference, F64, shards);
        int rows = m.B / world.Size, first = world.Rank * rows;
        var x = new Variable(SlowMoe.Input(m, Reference, F64).Narrow(0, first, rows).Contiguous(), requiresGrad: true); // (B/P, T, C)
        using var seed = Tensor.RandN([m.B, m.T, m.C], (ulong)m.Seed + 7, 0, 1, F64, Reference).Narrow(0, first, rows).Contiguous();
        using var tokens = SlowMoe.TokenIds(m, Reference).Narrow(0, first, rows).Contiguous();
        var output = layer.Forward(x, tokens, training: true);
        var objective = (output.Y * new Variable(seed)).Sum() + output.AuxLoss * (1.0 / world.Size);
        objective.Backward();
        // each rank's aux is a mean over its tokens; the ranks' mean is compared with the single process's
        var aux = new[] { output.AuxLoss.Item() / world.Size };
        world.AllReduce<double>(aux, AllReduceOp.Sum);
        return new Result(output.Y.Data.ToArray<double>(), x.Grad!.ToArray<double>(), aux[0],
            layer.NamedParameters().ToDictionary(np => np.Name, np => np.Parameter.Grad!.ToArray<double>()));
    }

    private static double[] Concat(IEnumerable<double[]> parts) => parts.SelectMany(p => p).ToArray();

    private static double[] Sum(IEnumerable<double[]> parts) =>
        parts.Aggregate((a, b) => a.Zip(b, (x, y) => x + y).ToArray());
}
