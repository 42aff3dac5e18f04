// TokenBatches: (B, T+1) windows of token ids cut from a TokenFile; row b holds the inputs
// tokens[s .. s+T) and, shifted by one, the targets tokens[s+1 .. s+T] (so T+1 ids per row).
// Two orders:
//   Random      window starts drawn uniformly (with replacement) from a counter-based RNG:
//               start = hash(seed, step·B + b). nanoGPT's sampler, but with no hidden RNG state.
//   Sequential  non-overlapping windows 0, T, 2T, ... in order, wrapping around: for validation,
//               so every evaluation sees the same tokens.
// Because each start depends only on (seed, step, row), the whole data position is the step
// index: save Position with a checkpoint, Seek to it on resume, and the batches continue exactly.
// It is not an epoch sampler: Random may repeat or skip windows within an "epoch", which is
// harmless at our corpus sizes and keeps resuming trivial.
namespace MoeFromScratch.Train.Data;

public enum WindowOrder { Random, Sequential }

/// <summary>Where a batch stream stands: the index of the next batch. Serialise it with a checkpoint.</summary>
public readonly record struct DataPosition(long Step);

public sealed class TokenBatches : Training.IBatchStream
{
    private readonly TokenFile _tokens;
    private readonly ulong _seed;

    public int BatchSize { get; }       // B
    public int ContextLength { get; }   // T
    public WindowOrder Order { get; }
    public long Step { get; private set; }
    public DataPosition Position => new(Step);

    public TokenBatches(TokenFile tokens, int batchSize, int contextLength, ulong seed, WindowOrder order)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size {batchSize}, expected >= 1");
        if (contextLength < 1) throw new ArgumentOutOfRangeException(nameof(contextLength), $"context length {contextLength}, expected >= 1");
        if (tokens.Count < contextLength + 1)
            throw new DataException($"{tokens.Path}: {tokens.Count} tokens cannot fill one window of T+1 = {contextLength + 1}; use a smaller context length or more data");
        (_tokens, BatchSize, ContextLength, _seed, Order) = (tokens, batchSize, contextLength, seed, order);
    }

    public void Seek(DataPosition position) => Step = position.Step >= 0 ? position.Step
        : throw new ArgumentOutOfRangeException(nameof(position), $"data position step {position.Step}, expected >= 0");

    /// <summary>The next batch, row-major (B, T+1), and advances the position.</summary>
    public int[] Next()
    {
        var batch = new int[BatchSize * (ContextLength + 1)];
        var starts = WindowStarts(Step++);
        for (int b = 0; b < BatchSize; b++)
            _tokens.Read(starts[b], batch.AsSpan(b * (ContextLength + 1), ContextLength + 1));
        return batch;
    }

    public Training.TrainingBatch NextBatch(Tensors.IBackend backend)
    {
        var (inputs, targets) = Training.Batches.ToTensors(Next(), BatchSize, ContextLength, backend);
        return new(inputs, targets);
    }

    /// <summary>The start of each row's window in batch <paramref name="step"/>; an analysis reads
    /// the *.kinds file at the same offsets.</summary>
    public long[] WindowStarts(long step)
    {
        var starts = new long[BatchSize];
        long windows = Order == WindowOrder.Random ? _tokens.Count - ContextLength : (_tokens.Count - 1) / ContextLength;
        for (int b = 0; b < BatchSize; b++)
        {
            long index = step * BatchSize + b;
            starts[b] = Order == WindowOrder.Random
                ? (long)(SplitMix64(_seed ^ SplitMix64((ulong)index)) % (ulong)windows)
                : index % windows * ContextLength;
        }
        return starts;
    }

    /// <summary>Sequential batches needed to see every non-overlapping window once.</summary>
    public long BatchesPerPass => ((_tokens.Count - 1) / ContextLength + BatchSize - 1) / BatchSize;

    // Steele, Lea & Flood 2014: a strong 64-bit mixer; hashing a counter gives independent draws.
    internal static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }
}
