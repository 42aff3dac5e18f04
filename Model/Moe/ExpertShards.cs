// ExpertShards: which routed experts each rank owns under expert parallelism. Rank r of P owns the
// contiguous range [r·E/P, (r+1)·E/P) (Megatron-Core's layout), so the rows a rank sends to rank d
// are one contiguous block of its expert-sorted rows, and a checkpoint puts expert e at its global
// index whatever P is. P must divide E (equal shards, and the device-level loss's D = P equal groups,
// eq. 15-17); P > E leaves a rank without an expert, which is refused too.
// Not here: moving the rows (ExpertExchange.cs), the gradients (Train's DataParallel).
using MoeFromScratch.Distributed;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public sealed class ExpertShards
{
    public ExpertShards(ICommunicator world, int experts)
    {
        if (experts < 1 || world.Size > experts || experts % world.Size != 0)
            throw new UsageException($"expert parallel: {experts} routed experts (n_routed_experts) do not split evenly over {world.Size} ranks; the rank count must divide E and be at most E");
        World = world;
        Experts = experts;
    }

    /// <summary>Carries the rows and the counts between the ranks.</summary>
    public ICommunicator World { get; }

    /// <summary>E: the routed experts of a layer, over all ranks.</summary>
    public int Experts { get; }

    /// <summary>P: the ranks the experts are split over.</summary>
    public int Ranks => World.Size;

    /// <summary>E/P: the experts each rank holds.</summary>
    public int PerRank => Experts / Ranks;

    /// <summary>r·E/P: the global id of this rank's first expert.</summary>
    public int First => World.Rank * PerRank;
}
