// WorldTests: the MPI binding under real launchers. `moe world` runs every collective with values
// that name the ranks taking part (CollectiveCheck: sums of 2^rank, an all-to-all-v with empty
// blocks) under MPICH (2 ranks) and Open MPI (2 and 4 ranks, oversubscribed); a launcher with the
// other MPI's library, or with none that loads, gives one clear line and exit 1 on every rank; one
// process needs no MPI.
using MoeFromScratch.Distributed;
using MoeFromScratch.Distributed.Mpi;
using MoeFromScratch.PropertyTests.Reliability;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed class WorldTests
{
    [MpiTheory]
    [InlineData(MpiLaunch.Mpich, 2)]
    [InlineData(MpiLaunch.OpenMpi, 2)]
    [InlineData(MpiLaunch.OpenMpi, 4)]
    public void Every_collective_gives_the_result_that_names_all_ranks(string mpi, int ranks)
    {
        var exit = MpiLaunch.Run(mpi, ranks, "world");
        Assert.True(exit.Code == 0, exit.ToString());
        string library = mpi == MpiLaunch.Mpich ? "MPICH Version: 4" : "Open MPI v4";
        Assert.Contains($"world: {ranks} ranks, {library}", exit.Stdout);
        for (int r = 0; r < ranks; r++) Assert.Contains($"rank {r}: local rank {r} of {ranks}", exit.Stdout);
        Assert.Contains($"collectives: ok (all-reduce sum of 2^rank = {(1 << ranks) - 1},", exit.Stdout);
        Assert.DoesNotContain("moe:", exit.Stderr);
    }

    [MpiTheory]
    [InlineData(MpiLaunch.Mpich, MpiLaunch.OpenMpi)]
    [InlineData(MpiLaunch.OpenMpi, MpiLaunch.Mpich)]
    public void A_launcher_with_the_other_library_stops_every_rank_with_one_line(string launcher, string library)
    {
        var exit = MpiLaunch.Run(launcher, 2, "world", new Dictionary<string, string> { [Launch.AbiVariable] = library });
        Assert.True(exit.Code == 1, exit.ToString());
        var errors = exit.StderrLines.Where(l => l.StartsWith("moe:")).ToList();
        Assert.True(errors.Count == 1, exit.ToString());
        Assert.Contains("the launcher and the library are different MPIs", errors[0]);
        Assert.Contains($"mpiexec.{library}", errors[0]);
    }

    [MpiFact]
    public void A_launcher_whose_library_does_not_load_stops_every_rank_with_one_line()
    {
        var exit = MpiLaunch.Run(MpiLaunch.Mpich, 2, "world", new Dictionary<string, string> { [Launch.LibraryVariable] = "/nonexistent/libmpi.so.12" });
        Assert.True(exit.Code == 1, exit.ToString());
        var errors = exit.StderrLines.Where(l => l.StartsWith("moe:")).ToList();
        Assert.True(errors.Count == 1, exit.ToString());
        Assert.StartsWith("moe: error: started by a PMI launcher", errors[0]);
        Assert.Contains("no MPICH-ABI library loads (tried /nonexistent/libmpi.so.12)", errors[0]);
    }

    [Fact]
    public void Without_a_launcher_the_world_is_one_process()
    {
        var exit = MoeProcess.Run("world", timeout: MpiLaunch.ProcessTimeout);
        Assert.True(exit.Code == 0, exit.ToString());
        Assert.Contains("world: 1 rank, single process", exit.Stdout);
        Assert.Contains("collectives: ok (all-reduce sum of 2^rank = 1,", exit.Stdout);
    }

    [Fact]
    public void The_launch_is_read_from_the_launchers_variables()
    {
        Dictionary<string, string> hydra = new() { ["PMI_SIZE"] = "4", ["PMI_RANK"] = "3", ["MPI_LOCALRANKID"] = "1", ["MPI_LOCALNRANKS"] = "2" };
        Assert.Equal(new Launch("a PMI launcher (MPICH's Hydra, Intel MPI, srun)", 4, 3, 1, 2, MpiFlavor.MpichAbi, null),
            Launch.Detect(n => hydra.GetValueOrDefault(n)));
        Dictionary<string, string> ompi = new()
        {
            ["OMPI_COMM_WORLD_SIZE"] = "2",
            ["OMPI_COMM_WORLD_RANK"] = "0",
            ["OMPI_COMM_WORLD_LOCAL_RANK"] = "0",
            ["OMPI_COMM_WORLD_LOCAL_SIZE"] = "2",
            [Launch.AbiVariable] = "mpich",
            [Launch.LibraryVariable] = "/opt/intel/libmpi.so.12",
        };
        var launch = Launch.Detect(n => ompi.GetValueOrDefault(n))!;
        Assert.Equal((2, 0, MpiFlavor.MpichAbi, "/opt/intel/libmpi.so.12"), (launch.Size, launch.Rank, launch.Flavor, launch.LibraryOverride));
        Assert.Null(Launch.Detect(_ => null));
        var bad = Assert.Throws<UsageException>(() => Launch.Detect(n => n == "PMI_SIZE" ? "two" : null));
        Assert.Contains("PMI_SIZE=two", bad.Message);
    }

    [Fact]
    public void One_process_runs_the_same_collectives()
    {
        using var world = new SingleProcessCommunicator();
        var (failures, powerSum) = CollectiveCheck.Run(world);
        Assert.Empty(failures);
        Assert.Equal(1, powerSum);
        Assert.Throws<ArgumentException>(() => world.AllToAllV<float>([1f, 2f], [2], new float[1], [1]));
        Assert.Throws<ArgumentException>(() => world.AllReduce<long>(new long[1], AllReduceOp.Sum));
    }
}
