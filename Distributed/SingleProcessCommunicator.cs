// SingleProcessCommunicator: the world of one process — every collective is the identity (a
// reduction over one rank, an exchange with oneself), so code written for P ranks runs unchanged
// without a launcher or an MPI library.
namespace MoeFromScratch.Distributed;

public sealed class SingleProcessCommunicator : ICommunicator
{
    public int Rank => 0;
    public int Size => 1;
    public int LocalRank => 0;
    public int LocalSize => 1;
    public string Library => "single process";

    public void AllReduce<T>(Span<T> values, AllReduceOp op) where T : unmanaged => Collectives.CheckElementType<T>();

    public void AllToAllV<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive, ReadOnlySpan<int> receiveCounts) where T : unmanaged
    {
        Collectives.CheckAllToAllV(send.Length, sendCounts, receive.Length, receiveCounts, Size);
        if (sendCounts[0] != receiveCounts[0])
            throw new ArgumentException($"AllToAllV: rank 0 sends itself {sendCounts[0]} elements but expects {receiveCounts[0]}");
        send.CopyTo(receive);
    }

    public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
    {
        Collectives.CheckAllGather(send.Length, receive.Length, Size);
        send.CopyTo(receive);
    }

    public void Barrier() { }

    public void Abort(int exitCode) => Environment.Exit(exitCode);

    public void Dispose() { }
}
