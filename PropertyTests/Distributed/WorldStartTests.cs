// WorldStartTests: the checks every rank of `moe train` / `moe bench train` makes before any work
// (Train/Cli/WorldStart.cs), on P ranks as threads: a global batch P does not divide, routed experts
// P does not divide, and more ranks than experts each stop every rank with one line that only
// rank 0 prints (WorldSetupException.Prints); an unknown --parallel is a usage error. The same
// lines under mpiexec: DataParallelTests.
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Cli;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed class WorldStartTests
{
    [Theory]
    [InlineData(2, 3, false, "--batch 3: the global batch must divide by the 2 ranks (each rank takes B/P sequences)")]
    [InlineData(3, 6, true, "--parallel expert: 8 routed experts (n_routed_experts) do not split evenly over 3 ranks; the rank count must divide E and be at most E")]
    [InlineData(16, 16, true, "--parallel expert: 8 routed experts (n_routed_experts) do not split evenly over 16 ranks; the rank count must divide E and be at most E")]
    public void A_split_the_ranks_cannot_make_stops_every_rank_with_one_line_from_rank_0(int ranks, int batch, bool expertParallel, string message)
    {
        var refusals = ThreadedWorld.Run(ranks, world =>
        {
            try
            {
                WorldStart.RequireSplits(world, batch, MoePresets.Tiny, expertParallel);
                return null;
            }
            catch (WorldSetupException e)
            {
                return e;
            }
        });
        Assert.All(refusals, e => Assert.Equal(message, e?.Message));
        Assert.Equal([true, .. Enumerable.Repeat(false, ranks - 1)], refusals.Select(e => e!.Prints));
    }

    [Fact]
    public void Splits_the_ranks_can_make_pass_and_an_unknown_parallelism_is_refused()
    {
        ThreadedWorld.Run(4, world =>
        {
            WorldStart.RequireSplits(world, 8, MoePresets.Tiny, expertParallel: true);
            return 0;
        });
        Assert.True(WorldStart.ExpertParallel("expert"));
        Assert.False(WorldStart.ExpertParallel("data"));
        Assert.Equal("--parallel tensor: expected data or expert", Assert.Throws<UsageException>(() => WorldStart.ExpertParallel("tensor")).Message);
    }
}
