// DataParallel: what the trainer does differently on P ranks, and nothing when P = 1.
// Each rank holds a full replica of the model and takes its slice of the global batch (B/P
// consecutive sequences of the same B every rank draws from the same seed). The objective is the
// mean over sequences (the LM loss, and the balance losses with seq_aux, per sequence), so the mean
// of the ranks' losses is the single-process loss and the mean of their gradients is its gradient:
// AverageGradients all-reduces every gradient (one flat buffer per dtype, on the host) and divides
// by P. Every rank then holds the same gradients, so the same norm, the same clip coefficient and
// the same AdamW update; ReplicaDigest lets the trainer check that the weights stayed bitwise equal.
// Expert parallel (sharded parameters given: the routed experts each rank alone holds, see
// Model/Moe/ExpertExchange.cs): their gradients are not all-reduced — the mirrored exchange of the
// backward already brought every rank's tokens' contribution to the owner — but scaled by 1/P like
// the others, since each rank's loss is a mean over its B/P sequences (the sum of the ranks'
// gradients is P times the single-process one). The clip norm counts each parameter once:
// ‖g‖² = Σ_replicated g² (the same on every rank) + Σ_ranks Σ_sharded g² (all-gathered, added in
// rank order on every rank, so every rank gets bitwise the same norm and clip coefficient). The
// replica check skips them (they differ by design).
// Not here: the exchange of the rows itself (the model's MoE layers).
using MoeFromScratch.Autograd;
using MoeFromScratch.Distributed;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

public sealed class DataParallel(ICommunicator world, IEnumerable<Parameter>? sharded = null)
{
    private readonly HashSet<Parameter> _sharded = new(sharded ?? [], ReferenceEqualityComparer.Instance);

    public ICommunicator World { get; } = world;
    public int Ranks => World.Size;

    /// <summary>True when some parameters live on one rank only (expert parallel).</summary>
    public bool ShardsExperts => _sharded.Count > 0;

    /// <summary>The parameters this rank alone holds (its routed experts under expert parallelism).</summary>
    public IReadOnlySet<Parameter> Sharded => _sharded;

    /// <summary>This rank's rows of a global batch of B rows: rows [r·B/P, (r+1)·B/P) of inputs, targets
    /// and segments (narrowed views, contiguous since whole rows are taken).</summary>
    public TrainingBatch Slice(TrainingBatch batch)
    {
        if (Ranks == 1) return batch;
        int rows = batch.Inputs.Shape[0], T = batch.Inputs.Shape[1], local = rows / Ranks, first = World.Rank * local;
        return new TrainingBatch(batch.Inputs.Narrow(0, first, local), batch.Targets.Narrow(0, first, local),   // (B/P, T) each
            batch.Segments?.AsSpan(first * T, local * T).ToArray());
    }

    /// <summary>The mean of each value over the ranks (the same doubles on every rank).</summary>
    public double[] Mean(params double[] values)
    {
        if (Ranks == 1) return values;
        World.AllReduce<double>(values, AllReduceOp.Sum);
        for (int i = 0; i < values.Length; i++) values[i] /= Ranks;
        return values;
    }

    /// <summary>True on every rank when it is true on any (a stop request seen by one rank stops all at the same step).</summary>
    public bool Any(bool value)
    {
        if (Ranks == 1) return value;
        Span<int> flag = [value ? 1 : 0];
        World.AllReduce(flag, AllReduceOp.Max);
        return flag[0] != 0;
    }

    /// <summary>Replaces every replicated gradient by its mean over the ranks and divides the sharded ones by P.</summary>
    public void AverageGradients(IReadOnlyList<Parameter> parameters)
    {
        if (Ranks == 1) return;
        foreach (var g in Grads(parameters, sharded: true))
            g.Backend.BinaryScalar(BinaryOp.Mul, g, g.DType.Round(1.0 / Ranks), g);   // already the sum over every rank's tokens
        var grads = Grads(parameters, sharded: false);
        foreach (var group in grads.GroupBy(g => g.DType))
        {
            var list = group.ToList();
            if (group.Key == DType.Float32) Average<float>(list, 1f / Ranks);
            else if (group.Key == DType.Float64) Average<double>(list, 1.0 / Ranks);
            else throw new NotSupportedException($"data parallel: gradients of {group.Key} are not averaged (float32 and float64 are)");
        }
    }

    /// <summary>
    /// The world's Σ g² as a () tensor on the gradients' device, for AdamW's gated step. Without sharded
    /// parameters every rank holds the same (averaged) gradients, so it stays on the device: no read-back.
    /// With them (expert parallel) the ranks' parts meet on the host: that one read-back is here only.
    /// </summary>
    public Tensor GradSumOfSquares(IReadOnlyList<Parameter> parameters)
    {
        var replicated = Grads(parameters, sharded: false);
        if (!ShardsExperts) return Optim.GradClip.SumOfSquaresOnDevice(replicated);
        double norm = GradNorm(parameters);
        var backend = replicated.Count > 0 ? replicated[0].Backend : Grads(parameters, sharded: true)[0].Backend;
        // The host backends take it in float64 (the coefficient as GradNorm's double gives it); Vulkan takes float32.
        return Tensor.Full([], norm * norm, backend is Tensors.Cpu.HostBackend ? DType.Float64 : DType.Float32, backend);
    }

    /// <summary>The global gradient norm: every replicated parameter once, every sharded one on its owner; the same double on every rank.</summary>
    public double GradNorm(IReadOnlyList<Parameter> parameters)
    {
        double replicated = Optim.GradClip.SumOfSquares(Grads(parameters, sharded: false));
        if (!ShardsExperts) return Math.Sqrt(replicated);
        var perRank = new double[Ranks];
        World.AllGather<double>([Optim.GradClip.SumOfSquares(Grads(parameters, sharded: true))], perRank);
        double total = replicated;
        foreach (double s in perRank) total += s;                     // rank order on every rank: one result
        return Math.Sqrt(total);
    }

    private List<Tensor> Grads(IEnumerable<Parameter> parameters, bool sharded) =>
        parameters.Where(p => _sharded.Contains(p) == sharded).Select(p => p.Grad).OfType<Tensor>().ToList();

    // One host buffer per dtype, kept between steps: the same size every step, and a fresh array of a
    // few hundred KB or more each step would be a large-object allocation that only a full GC frees.
    private readonly Dictionary<Type, Array> _flat = [];

    private void Average<T>(List<Tensor> grads, T scale) where T : unmanaged, System.Numerics.IFloatingPoint<T>
    {
        long total = grads.Sum(g => g.Numel);
        if (total > int.MaxValue) throw new NotSupportedException($"data parallel: {total} gradient elements in one all-reduce (at most 2^31 - 1)");
        if (!_flat.TryGetValue(typeof(T), out var cached) || cached.Length != total) _flat[typeof(T)] = cached = new T[total];
        var flat = (T[])cached;
        int offset = 0;
        foreach (var g in grads)
        {
            var part = flat.AsSpan(offset, (int)g.Numel);
            if (g.IsContiguous) g.CopyTo<T>(0, part);                 // straight into the buffer: no array per gradient
            else g.ToArray<T>().CopyTo(part);
            offset += part.Length;
        }
        World.AllReduce<T>(flat, AllReduceOp.Sum);
        offset = 0;
        foreach (var g in grads)
        {
            var mean = flat.AsSpan(offset, (int)g.Numel);
            for (int i = 0; i < mean.Length; i++) mean[i] *= scale;   // the sum over ranks, divided by P
            if (g.IsContiguous) g.Backend.Upload<T>(g.Storage, g.Offset, mean);   // in place: the Grad buffers live on
            else
            {
                using var averaged = Tensor.FromSpan<T>(mean, g.Shape, g.Backend);
                g.Backend.Copy(averaged, g);
            }
            offset += mean.Length;
        }
    }

    /// <summary>
    /// Fails (on every rank) unless every rank's replicated parameters are bitwise the same: a 64-bit
    /// FNV-1a digest of their bytes, all-gathered and compared. Sharded parameters are skipped.
    /// </summary>
    public void CheckReplicasIdentical(IEnumerable<Parameter> parameters, long step)
    {
        if (Ranks == 1) return;
        ulong digest = 14695981039346656037UL;
        foreach (var p in parameters.Where(p => !_sharded.Contains(p)))
            foreach (byte b in System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Data.ToDoubleArray().AsSpan()))
                digest = (digest ^ b) * 1099511628211UL;
        var all = new int[2 * Ranks];
        World.AllGather<int>([(int)(digest >> 32), (int)digest], all);
        for (int r = 1; r < Ranks; r++)
            if (all[2 * r] != all[0] || all[2 * r + 1] != all[1])
                throw new InvalidOperationException($"data parallel: after step {step} the replicated weights of rank {r} differ from rank 0's (digests differ)");
    }
}
