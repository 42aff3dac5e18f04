// `moe world`: the processes this command runs in — one, or the P an MPI launcher started — with
// the MPI library and version, each rank's place on its machine, and a check of every collective
// (CollectiveCheck). What a user runs first under `mpiexec -n P moe world` to see that the launcher,
// the library and moe agree. Rank 0 prints; a rank whose check fails prints its failure too.
using System.CommandLine;
using MoeFromScratch.Distributed;

namespace MoeFromScratch.Train.Cli;

public static class WorldCommand
{
    public static Command Create()
    {
        var command = new Command("world", "Show the MPI world moe runs in (ranks, library, local ranks) and check its collectives.");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        var world = World.Open();
        var locals = new int[2 * world.Size];
        world.AllGather<int>([world.LocalRank, world.LocalSize], locals);
        var (failures, powerSum) = CollectiveCheck.Run(world);
        foreach (var failure in failures) Console.Error.WriteLine($"moe: rank {world.Rank}: {failure}");
        Span<int> failed = [failures.Count == 0 ? 0 : 1];
        world.AllReduce(failed, AllReduceOp.Sum);
        if (world.Rank == 0)
        {
            Console.WriteLine($"world: {world.Size} rank{(world.Size == 1 ? "" : "s")}, {world.Library}");
            for (int r = 0; r < world.Size; r++)
                Console.WriteLine($"rank {r}: local rank {locals[2 * r]} of {locals[2 * r + 1]}");
            Console.WriteLine(failed[0] == 0
                ? $"collectives: ok (all-reduce sum of 2^rank = {powerSum}, max, all-gather, all-to-all-v with empty blocks)"
                : $"collectives: FAILED on {failed[0]} rank{(failed[0] == 1 ? "" : "s")}");
        }
        World.Close();
        return failed[0] == 0 ? 0 : 1;
    }
}
