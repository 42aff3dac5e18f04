// ThreadedWorld: P ranks as P threads of this test process, each with its own ICommunicator, so the
// expert-parallel code can be tested exactly without mpiexec. Every collective is: publish this
// rank's buffer in its slot, wait at a barrier, read what this rank needs from the others' slots,
// wait again (so no slot is overwritten while someone still reads it). AllReduce adds the ranks'
// values in rank order 0..P-1 on every rank, so all ranks hold bitwise the same result.
// A rank that throws cancels the barrier, so the others fail instead of waiting forever; Run
// rethrows the first failure. Every collective is checked as the MPI communicator checks it.
// Not here: real processes, failures of a process (Distributed/ tests under mpiexec do those).
using MoeFromScratch.Distributed;

namespace MoeFromScratch.PropertyTests.Distributed;

public static class ThreadedWorld
{
    /// <summary>Runs body once per rank on P threads; the results in rank order. A failure on any rank fails the call.</summary>
    public static T[] Run<T>(int ranks, Func<ICommunicator, T> body)
    {
        var shared = new Shared(ranks);
        var results = new T[ranks];
        var failures = new Exception?[ranks];
        var threads = Enumerable.Range(0, ranks).Select(r => new Thread(() =>
        {
            try { results[r] = body(new RankCommunicator(shared, r)); }
            catch (Exception e)
            {
                failures[r] = e;
                shared.Cancel.Cancel();     // the others stop at their next barrier
            }
        }, maxStackSize: 16 << 20)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var first = failures.FirstOrDefault(f => f is not null and not OperationCanceledException) ?? failures.FirstOrDefault(f => f is not null);
        if (first is not null) throw new AggregateException($"a rank of the threaded world failed: {first.Message}", first);
        return results;
    }

    private sealed class Shared(int ranks)
    {
        public readonly int Size = ranks;
        public readonly Barrier Barrier = new(ranks);
        public readonly object?[] Slots = new object?[ranks];
        public readonly CancellationTokenSource Cancel = new();

        // Publish, then let read see every rank's slot; nobody publishes again before all have read.
        public void Exchange(int rank, object published, Action<object?[]> read)
        {
            Slots[rank] = published;
            Barrier.SignalAndWait(Cancel.Token);
            read(Slots);
            Barrier.SignalAndWait(Cancel.Token);
        }
    }

    private sealed class RankCommunicator(Shared shared, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int Size => shared.Size;
        public int LocalRank => rank;
        public int LocalSize => shared.Size;
        public string Library => "threads of one process (tests)";

        public void AllReduce<T>(Span<T> values, AllReduceOp op) where T : unmanaged
        {
            var mine = values.ToArray();
            var result = new T[mine.Length];
            shared.Exchange(rank, mine, slots =>
            {
                ((T[])slots[0]!).CopyTo(result, 0);
                for (int r = 1; r < Size; r++)
                {
                    var other = (T[])slots[r]!;
                    if (other.Length != result.Length) throw new ArgumentException($"AllReduce: rank {r} reduces {other.Length} values, rank {rank} {result.Length}");
                    for (int i = 0; i < result.Length; i++) result[i] = Combine(result[i], other[i], op);
                }
            });
            result.CopyTo(values);
        }

        public void AllToAllV<T>(ReadOnlySpan<T> send, ReadOnlySpan<int> sendCounts, Span<T> receive, ReadOnlySpan<int> receiveCounts) where T : unmanaged
        {
            var receiveCountsCopy = receiveCounts.ToArray();
            var received = new T[receive.Length];
            shared.Exchange(rank, (send.ToArray(), sendCounts.ToArray()), slots =>
            {
                int at = 0;
                for (int s = 0; s < Size; s++)
                {
                    var (theirs, theirCounts) = ((T[], int[]))slots[s]!;
                    if (theirCounts[rank] != receiveCountsCopy[s])
                        throw new ArgumentException($"AllToAllV: rank {s} sends rank {rank} {theirCounts[rank]} elements, which expects {receiveCountsCopy[s]}");
                    int start = theirCounts.Take(rank).Sum();
                    theirs.AsSpan(start, theirCounts[rank]).CopyTo(received.AsSpan(at));
                    at += theirCounts[rank];
                }
            });
            received.CopyTo(receive);
        }

        public void AllGather<T>(ReadOnlySpan<T> send, Span<T> receive) where T : unmanaged
        {
            if ((long)send.Length * Size != receive.Length) throw new ArgumentException($"AllGather: receive holds {receive.Length}, expected {Size} × {send.Length}");
            var gathered = new T[receive.Length];
            int n = send.Length;
            shared.Exchange(rank, send.ToArray(), slots =>
            {
                for (int r = 0; r < Size; r++) ((T[])slots[r]!).CopyTo(gathered, r * n);
            });
            gathered.CopyTo(receive);
        }

        public void Barrier() => shared.Exchange(rank, rank, _ => { });

        public void Abort(int exitCode) => throw new InvalidOperationException($"rank {rank} aborted the threaded world with exit code {exitCode}");

        public void Dispose() { }

        private static T Combine<T>(T a, T b, AllReduceOp op) where T : unmanaged => (a, b) switch
        {
            (float x, float y) => (T)(object)(op == AllReduceOp.Sum ? x + y : MathF.Max(x, y)),
            (double x, double y) => (T)(object)(op == AllReduceOp.Sum ? x + y : Math.Max(x, y)),
            (int x, int y) => (T)(object)(op == AllReduceOp.Sum ? x + y : Math.Max(x, y)),
            _ => throw new ArgumentException($"collectives carry float, double or int, not {typeof(T).Name}"),
        };
    }
}
