// ICommunicator: the collectives the trainer and the model use across processes — rank and size,
// all-reduce (sum, max), all-to-all-v, all-gather, barrier, abort. One process runs the same code
// through SingleProcessCommunicator; P processes started by an MPI launcher through MpiCommunicator.
// Every call is a collective: every rank must make it, in the same order, even with nothing to send.
// Not here: what is sent (gradients, token rows); that is the caller's.
namespace MoeFromScratch.Distributed;

public enum AllReduceOp
{
    Sum,
    Max,
}

public interface ICommunicator : IDisposable
{
    /// <summary>This process's index in the world, 0..Size-1.</summary>
    int Rank { get; }

    /// <summary>P, the processes in the world.</summary>
    int Size { get; }

    /// <summary>This process's index among the ranks on its machine, and how many there are (to share its cores and GPUs).</summary>
    int LocalRank { get; }

    int LocalSize { get; }

    /// <summary>What carries the messages: "single process", or the MPI library's name and version.</summary>
    string Library { get; }

    /// <summary>Element-wise reduction of values over all ranks, in place; every rank ends with the same result. T: float, double or int.</summary>
    void AllReduce<T>(Span<T> values, AllReduceOp op) where T : unmanaged;

    /// <summary>
    /// Personalised exchange: send holds Size blocks in rank order, block d (sendCounts[d] elements)
    /// going to rank d; receive gets Size blocks in rank order, block s (receiveCounts[s] elements)
    /// from rank s. Counts may be zero; receiveCounts must match what the senders send.
    /// </summary>
    void AllToAllV<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive, ReadOnlySpan<int> receiveCounts) where T : unmanaged;

    /// <summary>Every rank's send, concatenated in rank order: receive.Length = Size · send.Length.</summary>
    void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged;

    void Barrier();

    /// <summary>Ends every process of the world with this exit code (MPI_Abort): for a failure on one rank that the others cannot see.</summary>
    void Abort(int exitCode);
}
