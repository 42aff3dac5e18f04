// RankDeviceTests: which device each of the L ranks a launcher starts on one machine opens
// (Train/Devices/RankDevice.cs), from the local rank the launcher's variables give (Open MPI's
// OMPI_COMM_WORLD_LOCAL_RANK/_SIZE, Hydra's MPI_LOCALRANKID/MPI_LOCALNRANKS: Launch.Detect), with
// the machine's GPUs given as a list — so no GPU is needed to test the choice.
using MoeFromScratch.Distributed;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Devices;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed class RankDeviceTests
{
    // vulkan:1 is a CPU-type Vulkan device (lavapipe): not in the GPU list the catalog gives
    private static readonly string[] Gpus = ["vulkan:0", "vulkan:2", "vulkan:3"];

    [Theory]
    [InlineData("OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE")]
    [InlineData("MPI_LOCALRANKID", "MPI_LOCALNRANKS")]
    public void Each_local_rank_takes_its_own_gpu_from_the_launchers_variables(string localRank, string localSize)
    {
        bool ompi = localRank.StartsWith("OMPI");
        var chosen = Enumerable.Range(0, 3).Select(l =>
        {
            Dictionary<string, string> env = new()
            {
                [ompi ? "OMPI_COMM_WORLD_SIZE" : "PMI_SIZE"] = "6",             // two machines of three ranks
                [ompi ? "OMPI_COMM_WORLD_RANK" : "PMI_RANK"] = $"{3 + l}",
                [localRank] = $"{l}",
                [localSize] = "3",
            };
            var launch = Launch.Detect(n => env.GetValueOrDefault(n))!;
            return RankDevice.For("vulkan", launch.LocalRank, launch.LocalSize, () => Gpus);
        }).ToList();
        Assert.Equal(Gpus, chosen);
    }

    [Fact]
    public void Auto_takes_the_gpus_too_and_the_cpu_without_one()
    {
        Assert.Equal("vulkan:2", RankDevice.For("auto", 1, 2, () => Gpus));
        Assert.Equal("cpu", RankDevice.For("auto", 1, 2, () => []));
    }

    [Fact]
    public void One_rank_a_named_device_and_the_cpu_are_left_as_given()
    {
        static IReadOnlyList<string> NotAsked() => throw new InvalidOperationException("the GPUs were listed although not needed");
        Assert.Equal("vulkan", RankDevice.For("vulkan", 0, 1, NotAsked));
        Assert.Equal("vulkan:1", RankDevice.For("vulkan:1", 1, 2, NotAsked));
        Assert.Equal("cpu", RankDevice.For("cpu", 1, 2, NotAsked));
    }

    [Fact]
    public void Fewer_gpus_than_local_ranks_is_one_clear_error()
    {
        var e = Assert.Throws<UsageException>(() => RankDevice.For("vulkan", 0, 4, () => Gpus));
        Assert.Equal("--device vulkan: 4 ranks on this machine but 3 Vulkan GPUs (vulkan:0, vulkan:2, vulkan:3); start at most 3 ranks per machine, " +
            "or name one device for all with --device vulkan:N", e.Message);
    }
}
