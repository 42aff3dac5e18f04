// WorldStart: what `moe train` and `moe bench train` do first on every rank under an MPI launcher,
// in one place — open the world (Distributed/World), keep the ranks past 0 quiet, give the local
// ranks an equal share of the machine's cores (CpuThreads) and each its own GPU (Devices/RankDevice),
// read --parallel, refuse a global batch or experts the ranks do not split evenly (one line from
// rank 0, every rank exits), and write the world line. One process: all of it is a no-op.
// Not here: what a rank then trains (TrainCommand, BenchCommand).
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Devices;

namespace MoeFromScratch.Train.Cli;

public static class WorldStart
{
    public const string DataParallelName = "data", ExpertParallelName = "expert";

    /// <summary>The --parallel option of `moe train` and `moe bench train` (default data).</summary>
    public static System.CommandLine.Option<string> ParallelOption() => new("--parallel")
    {
        Description = $"Under mpiexec: {DataParallelName} (every rank holds the whole model) or {ExpertParallelName} (rank r holds routed experts [r·E/P, (r+1)·E/P); E must divide by P).",
        DefaultValueFactory = _ => DataParallelName,
    };

    /// <summary>True for --parallel expert, false for data; anything else is a usage error.</summary>
    public static bool ExpertParallel(string parallel) => parallel switch
    {
        DataParallelName => false,
        ExpertParallelName => true,
        _ => throw new UsageException($"--parallel {parallel}: expected {DataParallelName} or {ExpertParallelName}"),
    };

    /// <summary>The world of this process, with the ranks past 0 quiet and the CPU cores shared among the local ranks.</summary>
    public static ICommunicator Open()
    {
        var world = World.Open();
        if (world.Rank != 0) Console.SetOut(TextWriter.Null);   // rank 0 prints; the others only when they fail (stderr)
        if (world.LocalSize > 1) Tensors.Cpu.CpuThreads.Limit(Math.Max(1, Environment.ProcessorCount / world.LocalSize));
        return world;
    }

    /// <summary>The device this rank opens for --device (its local rank's GPU when several ranks share a machine).</summary>
    public static string Device(ICommunicator world, string device) =>
        RankDevice.For(device, world.LocalRank, world.LocalSize, RankDevice.MachineGpus);

    /// <summary>Every rank checks the same way that P divides the global batch and, under expert parallelism, E.</summary>
    public static void RequireSplits(ICommunicator world, int batch, MoeConfig config, bool expertParallel)
    {
        world.Require(batch % world.Size == 0,
            $"--batch {batch}: the global batch must divide by the {world.Size} ranks (each rank takes B/P sequences)");
        int experts = config.NRoutedExperts;
        world.Require(!expertParallel || (experts >= world.Size && experts % world.Size == 0),
            $"--parallel expert: {experts} routed experts (n_routed_experts) do not split evenly over {world.Size} ranks; the rank count must divide E and be at most E");
    }

    /// <summary>"data parallel" or "expert parallel (4 of 8 routed experts per rank)".</summary>
    public static string Parallelism(ICommunicator world, MoeConfig config, bool expertParallel) => expertParallel
        ? $"expert parallel ({config.NRoutedExperts / world.Size} of {config.NRoutedExperts} routed experts per rank)" : "data parallel";

    /// <summary>The world line under a launcher: P, the parallelism, the MPI library, each rank's device and CPU threads (null in one process). A collective.</summary>
    public static string? WorldLine(ICommunicator world, IBackend backend, string parallelism)
    {
        if (world.Size == 1) return null;
        var threads = new int[world.Size];
        world.AllGather<int>([Tensors.Cpu.CpuThreads.Count], threads);
        var devices = GatherNames(world, backend.Name);
        return $"world: {world.Size} ranks, {parallelism}, {world.Library}; " +
            string.Join(", ", Enumerable.Range(0, world.Size).Select(r => $"rank {r}: {devices[r]} ({threads[r]} CPU thread{(threads[r] == 1 ? "" : "s")})"));
    }

    // Every rank's string (a device name), in rank order: lengths, then the UTF-16 code units as ints.
    private static string[] GatherNames(ICommunicator world, string mine)
    {
        var lengths = new int[world.Size];
        world.AllGather<int>([mine.Length], lengths);
        int longest = lengths.Max();
        var padded = new int[longest];
        for (int i = 0; i < mine.Length; i++) padded[i] = mine[i];
        var all = new int[longest * world.Size];
        world.AllGather<int>(padded, all);
        return Enumerable.Range(0, world.Size).Select(r => new string(all.AsSpan(r * longest, lengths[r]).ToArray().Select(c => (char)c).ToArray())).ToArray();
    }
}
