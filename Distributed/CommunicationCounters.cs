// CommunicationCounters: what one rank's collectives moved and how long they took, by kind — the
// numbers `moe bench train` reports per step under MPI, counted by CountingCommunicator around every
// call (not estimated). Bytes are the payload this rank handed to the call (its send buffer: for an
// all-reduce the values it contributes, for an all-to-all-v every block including the one it sends
// itself, for an all-gather its own block); OffRankBytes leaves out an all-to-all's block to itself
// (what leaves the process; for the other kinds all of Bytes when P > 1, none alone). Time is the wall time in
// the call, waiting for the slowest rank included.
// Not here: what the library's algorithm puts on the wire (a ring all-reduce sends 2·(P−1)/P × Bytes).
namespace MoeFromScratch.Distributed;

/// <summary>Calls, payload bytes, bytes to other ranks, and wall time of one kind of collective.</summary>
public readonly record struct CollectiveTally(long Calls, long Bytes, long OffRankBytes, TimeSpan Time)
{
    public static CollectiveTally operator +(CollectiveTally a, CollectiveTally b) =>
        new(a.Calls + b.Calls, a.Bytes + b.Bytes, a.OffRankBytes + b.OffRankBytes, a.Time + b.Time);

    public static CollectiveTally operator -(CollectiveTally a, CollectiveTally b) =>
        new(a.Calls - b.Calls, a.Bytes - b.Bytes, a.OffRankBytes - b.OffRankBytes, a.Time - b.Time);

    /// <summary>This tally spread over `steps` (per step); bytes stay exact when the steps are alike.</summary>
    public (double Calls, double Bytes, double OffRankBytes, double Milliseconds) PerStep(int steps) =>
        (Calls / (double)steps, Bytes / (double)steps, OffRankBytes / (double)steps, Time.TotalMilliseconds / steps);
}

/// <summary>One rank's tallies by kind since the communicator opened; differences of two snapshots give an interval's.</summary>
public readonly record struct CommunicationCounters(CollectiveTally AllReduce, CollectiveTally AllToAll, CollectiveTally AllGather, CollectiveTally Barrier)
{
    public static CommunicationCounters operator -(CommunicationCounters a, CommunicationCounters b) =>
        new(a.AllReduce - b.AllReduce, a.AllToAll - b.AllToAll, a.AllGather - b.AllGather, a.Barrier - b.Barrier);
}
