// ExpertExchange: the expert-parallel dispatch and combine of one MoE layer on one rank, after
// ExpertDispatch has sorted this rank's N·K' assignments by GLOBAL expert (the order of Megatron-
// Core's MoEAlltoAllTokenDispatcher):
//   Plan:     all-to-all of the per-expert counts: rank r learns, for each source rank s and each
//             of its own E/P experts j, how many rows s sends (recvLoad[s, j]).
//   Dispatch: all-to-all-v of the rows (block d = the rows of rank d's experts, contiguous because
//             a rank's experts are one range, ExpertShards) -> received in (source, expert) order,
//             then re-sorted to (expert, source) so one grouped GEMM sees each local expert's rows
//             contiguous: (N·K', C) -> (R, C), R = Σ_s Σ_j recvLoad[s, j].
//   Combine:  the exact reverse: (expert, source) -> (source, expert), then the all-to-all-v back:
//             (R, C) -> (N·K', C), each row on the rank and at the place it came from.
// The gates stay on the source rank and are applied after combine (ExpertDispatch.Scatter), so
// only rows travel. Within a local expert the rows are in source-rank order and, inside one
// source, in token order: with the global batch split over ranks in order, that is the single-
// process row order, so the grouped GEMM computes the same rows in the same order.
// Dropless: no capacity; a rank with no row for an expert (or none at all) still makes every call.
// Backward: the re-sorts are gathers by the known inverse (SelectRows), the exchange is RowExchange
// (its backward is the mirrored exchange).
// Not here: the routing and the global sort (ExpertDispatch.cs), the experts' math (StackedExperts.cs).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public sealed class ExpertExchange : IDisposable
{
    private readonly ExpertShards _shards;
    private readonly int[] _sendRows;      // (P) rows this rank sends to each rank
    private readonly int[] _receiveRows;   // (P) rows this rank receives from each rank
    private readonly Tensor _order;        // (R) int32, expert-major row -> received (source-major) row
    private readonly Tensor _inverse;      // (R) int32, received row -> expert-major row

    private ExpertExchange(ExpertShards shards, int[] sendRows, int[] receiveRows, Tensor order, Tensor inverse, Tensor offsets, int[] localLoad)
    {
        _shards = shards;
        _sendRows = sendRows;
        _receiveRows = receiveRows;
        _order = order;
        _inverse = inverse;
        Offsets = offsets;
        LocalLoad = localLoad;
    }

    /// <summary>(E/P + 1) int32: local expert j owns rows [Offsets[j], Offsets[j+1]) of the dispatched rows.</summary>
    public Tensor Offsets { get; }

    /// <summary>(E/P) rows each local expert receives from all ranks together.</summary>
    public int[] LocalLoad { get; }

    /// <summary>Rows this rank sends, per destination rank (the bytes of the step are these times C).</summary>
    public IReadOnlyList<int> SendRows => _sendRows;

    /// <summary>The plan from this rank's load (E): assignments per global expert, in ExpertDispatch's order. A collective.</summary>
    public static ExpertExchange Plan(ExpertShards shards, int[] load, IBackend backend)
    {
        int P = shards.Ranks, L = shards.PerRank;
        if (load.Length != shards.Experts)
            throw new ArgumentException($"ExpertExchange: load has {load.Length} experts, the layer {shards.Experts}");
        var receivedLoad = new int[P * L];                                   // (P, E/P): [source s, local expert j]
        var perRank = Enumerable.Repeat(L, P).ToArray();
        shards.World.AllToAllV<int>(load, perRank, receivedLoad, perRank);   // the counts first: every rank learns what comes
        var sendRows = Enumerable.Range(0, P).Select(d => load.AsSpan(d * L, L).ToArray().Sum()).ToArray();
        var receiveRows = Enumerable.Range(0, P).Select(s => receivedLoad.AsSpan(s * L, L).ToArray().Sum()).ToArray();

        // (source, expert) -> (expert, source): where each received block starts, then the expert-major walk
        var blockStart = new int[P * L];
        for (int i = 1; i < P * L; i++) blockStart[i] = blockStart[i - 1] + receivedLoad[i - 1];
        int R = receiveRows.Sum();
        var order = new int[R];
        var inverse = new int[R];
        var offsets = new int[L + 1];
        var localLoad = new int[L];
        int at = 0;
        for (int j = 0; j < L; j++)
        {
            for (int s = 0; s < P; s++)
                for (int i = 0; i < receivedLoad[s * L + j]; i++, at++)
                {
                    order[at] = blockStart[s * L + j] + i;
                    inverse[order[at]] = at;
                }
            offsets[j + 1] = at;
            localLoad[j] = at - offsets[j];
        }
        Tensor Upload(int[] values) => Tensor.FromArray(values, [values.Length], backend);
        return new ExpertExchange(shards, sendRows, receiveRows, Upload(order), Upload(inverse), Upload(offsets), localLoad);
    }

    /// <summary>xp (N·K', C) sorted by global expert -> (R, C): the rows of this rank's experts from every rank, expert-major.</summary>
    public Variable Dispatch(Variable xp)
    {
        var received = RowExchange.AllToAll(_shards.World, xp, _sendRows, _receiveRows); // (N·K', C) -> (R, C) (source, expert)
        return received.SelectRows(_order, _inverse);                                   // (R, C) -> (R, C) (expert, source)
    }

    /// <summary>y (R, C) expert-major -> (N·K', C): every row back on its rank, in ExpertDispatch's order.</summary>
    public Variable Combine(Variable y)
    {
        var bySource = y.SelectRows(_inverse, _order);                                 // (R, C) (expert, source) -> (source, expert)
        return RowExchange.AllToAll(_shards.World, bySource, _receiveRows, _sendRows);  // (R, C) -> (N·K', C)
    }

    public void Dispose()
    {
        _order.Dispose();
        _inverse.Dispose();
        Offsets.Dispose();
    }
}
