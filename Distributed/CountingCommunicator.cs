// CountingCommunicator: any ICommunicator with every collective counted (CommunicationCounters):
// calls, payload bytes, bytes to other ranks and wall time by kind. World.Open wraps the world it
// opens in one, so the trainer, the model's exchanges and the bench all go through it, and
// `moe bench train` reads World.Counters. The cost is a Stopwatch read before and after a call.
// Not here: the collectives themselves (the inner communicator's).
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace MoeFromScratch.Distributed;

public sealed class CountingCommunicator(ICommunicator inner) : ICommunicator
{
    private CollectiveTally _allReduce, _allToAll, _allGather, _barrier;

    public CommunicationCounters Counters => new(_allReduce, _allToAll, _allGather, _barrier);

    public int Rank => inner.Rank;
    public int Size => inner.Size;
    public int LocalRank => inner.LocalRank;
    public int LocalSize => inner.LocalSize;
    public string Library => inner.Library;

    public void AllReduce<T>(Span<T> values, AllReduceOp op) where T : unmanaged
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllReduce(values, op);
        long bytes = Bytes<T>(values.Length);
        _allReduce += new CollectiveTally(1, bytes, Size > 1 ? bytes : 0, Stopwatch.GetElapsedTime(start));
    }

    public void AllToAllV<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive, ReadOnlySpan<int> receiveCounts) where T : unmanaged
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllToAllV(send, sendCounts, receive, receiveCounts);
        long toSelf = Rank < sendCounts.Length ? sendCounts[Rank] : 0;
        _allToAll += new CollectiveTally(1, Bytes<T>(send.Length), Bytes<T>(send.Length - toSelf), Stopwatch.GetElapsedTime(start));
    }

    public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllGather(send, receive);
        long bytes = Bytes<T>(send.Length);
        _allGather += new CollectiveTally(1, bytes, Size > 1 ? bytes : 0, Stopwatch.GetElapsedTime(start));
    }

    public void Barrier()
    {
        long start = Stopwatch.GetTimestamp();
        inner.Barrier();
        _barrier += new CollectiveTally(1, 0, 0, Stopwatch.GetElapsedTime(start));
    }

    public void Abort(int exitCode) => inner.Abort(exitCode);

    public void Dispose() => inner.Dispose();

    private static long Bytes<T>(long elements) where T : unmanaged => elements * Unsafe.SizeOf<T>();
}
