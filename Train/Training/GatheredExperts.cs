// GatheredExperts: the routed experts of every rank in one place for a checkpoint of an expert-
// parallel run. Each sharded tensor — an expert stack (E/P, in, out) and its two AdamW moments —
// is all-gathered into the whole (E, in, out) stack: rank r's block is experts [r·E/P, (r+1)·E/P),
// so the rank order is the expert order. Then the checkpoint is the ordinary one (all E experts
// under their official names, optimizer state under the stacked parameter's name with the global
// expert axis), which any rank count reads back by slicing (Model/Checkpoint/ModelWeights).
// A collective: every rank gathers (a rank past 0 then drops the result). Known cost: each rank
// holds the whole expert stacks (and moments) while a checkpoint is written.
// Not here: writing (TrainingCheckpoint), which runs on rank 0 only.
using MoeFromScratch.Distributed;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Optim;

namespace MoeFromScratch.Train.Training;

public sealed class GatheredExperts : IDisposable
{
    private readonly Dictionary<Tensor, Tensor> _whole = new(ReferenceEqualityComparer.Instance);

    /// <summary>Gathers every sharded parameter of the optimizer, with its moments; none when nothing is sharded.</summary>
    public GatheredExperts(ICommunicator world, AdamW optimizer, IReadOnlySet<Autograd.Parameter> sharded)
    {
        foreach (var slot in optimizer.Slots.Where(s => sharded.Contains(s.Parameter)))
            foreach (var local in new[] { slot.Parameter.Data, slot.M, slot.V })
                _whole[local] = Gather(world, local);
    }

    /// <summary>The whole stack gathered for a rank's shard, or the tensor itself when it is not sharded.</summary>
    public Tensor Of(Tensor local) => _whole.TryGetValue(local, out var whole) ? whole : local;

    private static Tensor Gather(ICommunicator world, Tensor local) => local.DType switch
    {
        DType.Float32 => Gather<float>(world, local),
        DType.Float64 => Gather<double>(world, local),
        _ => throw new NotSupportedException($"expert parallel: {local.DType.Name()} experts are not gathered (float32 and float64 are)"),
    };

    private static Tensor Gather<T>(ICommunicator world, Tensor local) where T : unmanaged
    {
        var all = new T[checked(local.Numel * world.Size)];
        world.AllGather<T>(local.ToArray<T>(), all);                        // (E/P, ...) per rank -> (E, ...) in expert order
        return Tensor.FromSpan<T>(all, [local.Shape[0] * world.Size, .. local.Shape[1..]], local.Backend);
    }

    public void Dispose()
    {
        foreach (var t in _whole.Values) t.Dispose();
    }
}
