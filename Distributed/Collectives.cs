// Collectives: the argument checks every communicator makes before a collective, so a wrong call
// fails the same way (an ArgumentException naming the call) in one process as in P.
namespace MoeFromScratch.Distributed;

internal static class Collectives
{
    public static void CheckElementType<T>() where T : unmanaged
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && typeof(T) != typeof(int))
            throw new ArgumentException($"collectives carry float, double or int, not {typeof(T).Name}");
    }

    public static void CheckAllToAllV(int sendLength, ReadOnlySpan<int> sendCounts, int receiveLength, ReadOnlySpan<int> receiveCounts, int size)
    {
        if (sendCounts.Length != size || receiveCounts.Length != size)
            throw new ArgumentException($"AllToAllV: {sendCounts.Length} send and {receiveCounts.Length} receive counts, expected {size} (one per rank)");
        if (Total(sendCounts, "send") != sendLength || Total(receiveCounts, "receive") != receiveLength)
            throw new ArgumentException($"AllToAllV: counts sum to {Total(sendCounts, "send")} / {Total(receiveCounts, "receive")}, the buffers hold {sendLength} / {receiveLength}");
    }

    public static void CheckAllGather(int sendLength, int receiveLength, int size)
    {
        if ((long)sendLength * size != receiveLength)
            throw new ArgumentException($"AllGather: receive holds {receiveLength}, expected {size} × {sendLength}");
    }

    /// <summary>Exclusive prefix sums of counts: where each rank's block starts.</summary>
    public static int[] Displacements(ReadOnlySpan<int> counts)
    {
        var displacements = new int[counts.Length];
        for (int r = 1; r < counts.Length; r++) displacements[r] = displacements[r - 1] + counts[r - 1];
        return displacements;
    }

    private static long Total(ReadOnlySpan<int> counts, string what)
    {
        long total = 0;
        foreach (int c in counts)
        {
            if (c < 0) throw new ArgumentException($"AllToAllV: a negative {what} count {c}");
            total += c;
        }
        if (total > int.MaxValue) throw new ArgumentException($"AllToAllV: {total} {what} elements, more than one call's int counts address (2^31 - 1)");
        return total;
    }
}
