// World: the entry to the processes this run has — one (no launcher: SingleProcessCommunicator) or
// the P an MPI launcher started (MpiCommunicator), either counted (CountingCommunicator: what every
// collective moved and how long it took, for `moe bench train`). Current is the world opened, so the
// CLI's error boundary can end every rank (MPI_Abort) when one of them fails alone.
// Not here: what runs on each rank (the trainer decides that from Rank and Size).
using MoeFromScratch.Distributed.Mpi;

namespace MoeFromScratch.Distributed;

public static class World
{
    /// <summary>The world opened by Open, or null before (one process, nothing to coordinate).</summary>
    public static ICommunicator? Current { get; private set; }

    /// <summary>The world of this process; opened once, the same object on a second call.</summary>
    public static ICommunicator Open()
    {
        if (Current is not null) return Current;
        var launch = Launch.Detect();
        ICommunicator opened = launch is null ? new SingleProcessCommunicator() : MpiCommunicator.Open(launch);
        Current = new CountingCommunicator(opened);
        return Current;
    }

    /// <summary>What the collectives of the open world moved so far (zero before Open).</summary>
    public static CommunicationCounters Counters => (Current as CountingCommunicator)?.Counters ?? default;

    /// <summary>A check every rank makes the same way: false stops them all, rank 0 saying why.</summary>
    public static void Require(this ICommunicator world, bool ok, string message)
    {
        if (!ok) throw new WorldSetupException(message, prints: world.Rank == 0);
    }

    /// <summary>Closes the world (MPI_Finalize) after the last collective.</summary>
    public static void Close()
    {
        Current?.Dispose();
        Current = null;
    }
}
