// PackedBatches: fine-tuning examples packed into rows of T+1 tokens, served as (B, T) batches.
// Each example is its chat-template ids with a loss mask (ChatTemplate.Encode). Packing is
// next-fit in a seeded shuffled order of the examples, done once: an example that does not fit
// the rest of the row starts the next one; an example longer than T+1 is dropped (counted in
// Dropped) rather than cut, so every learned answer ends with its <eos>. The rest of a row is
// padding (eos ids in a segment of their own, no loss).
// A row of T+1 tokens gives inputs 0..T-1 and targets 1..T; the target of input i is token i+1
// when that token is in the same example and carries loss, else -100 (ignored by the loss).
// Segments (example index within the row, -1 for padding) keep the examples apart in attention.
// Order: Random draws the rows of epoch e in a permutation seeded by (seed, e), so the position is
// the batch index alone and resuming continues exactly, like TokenBatches; Sequential serves the
// rows in packing order, wrapping around (validation sees the same rows every pass).
// It is not a sequence-length bucketer: rows are all T long.
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Sft;

public sealed class PackedBatches : IBatchStream
{
    public const int IgnoreIndex = -100;

    private readonly List<Row> _rows = [];
    private readonly ulong _seed;
    private readonly WindowOrder _order;
    private long _permutedEpoch = -1;
    private int[] _permutation = [];

    private sealed record Row(int[] Ids, bool[] Loss, int[] Segment);   // T+1 each

    public PackedBatches(IReadOnlyList<(int[] Ids, bool[] Loss)> examples, int batchSize, int contextLength, int padId, ulong seed, WindowOrder order)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size {batchSize}, expected >= 1");
        if (contextLength < 1) throw new ArgumentOutOfRangeException(nameof(contextLength), $"context length {contextLength}, expected >= 1");
        (BatchSize, ContextLength, _seed, _order) = (batchSize, contextLength, seed, order);
        int width = contextLength + 1;
        var ordered = order == WindowOrder.Random ? Permutation(examples.Count, seed) : Enumerable.Range(0, examples.Count).ToArray();
        var (ids, loss, segment) = (new List<int>(), new List<bool>(), new List<int>());
        void Close()
        {
            if (ids.Count == 0) return;
            while (ids.Count < width) { ids.Add(padId); loss.Add(false); segment.Add(-1); }
            _rows.Add(new Row([.. ids], [.. loss], [.. segment]));
            (ids, loss, segment) = (new(), new(), new());
        }
        foreach (int e in ordered)
        {
            var (exampleIds, exampleLoss) = examples[e];
            if (exampleIds.Length > width) { Dropped++; continue; }
            if (ids.Count + exampleIds.Length > width) Close();
            int index = segment.Count == 0 ? 0 : segment[^1] + 1;
            ids.AddRange(exampleIds);
            loss.AddRange(exampleLoss);
            segment.AddRange(Enumerable.Repeat(index, exampleIds.Length));
            Packed++;
        }
        Close();
        if (_rows.Count == 0)
            throw new DataException($"no fine-tuning example fits a row of T+1 = {width} tokens ({Dropped} longer); use a larger --seq");
    }

    public int BatchSize { get; }
    public int ContextLength { get; }
    public long Step { get; private set; }
    public DataPosition Position => new(Step);

    /// <summary>Examples packed, and examples dropped for being longer than a row.</summary>
    public int Packed { get; }
    public int Dropped { get; }
    public int Rows => _rows.Count;

    /// <summary>Loss-carrying targets over all rows: the answer tokens and their closing eos.</summary>
    public long LearnedTokens => _rows.Sum(r => (long)Targets(r).Count(t => t != IgnoreIndex));

    public void Seek(DataPosition position) => Step = position.Step >= 0 ? position.Step
        : throw new ArgumentOutOfRangeException(nameof(position), $"data position step {position.Step}, expected >= 0");

    public TrainingBatch NextBatch(IBackend backend)
    {
        var (inputs, targets, segments) = NextRows();
        int B = BatchSize, T = ContextLength;
        return new TrainingBatch(Tensor.FromArray(inputs, [B, T], backend), Tensor.FromArray(targets, [B, T], backend), segments);
    }

    /// <summary>The next batch on the host, row-major (B, T) each: inputs, targets (-100 = no loss), segments.</summary>
    public (int[] Inputs, int[] Targets, int[] Segments) NextRows()
    {
        int B = BatchSize, T = ContextLength;
        var (inputs, targets, segments) = (new int[B * T], new int[B * T], new int[B * T]);
        for (int b = 0; b < B; b++)
        {
            var row = RowAt(Step * B + b);
            row.Ids.AsSpan(0, T).CopyTo(inputs.AsSpan(b * T));
            Targets(row).CopyTo(targets.AsSpan(b * T));
            row.Segment.AsSpan(0, T).CopyTo(segments.AsSpan(b * T));
        }
        Step++;
        return (inputs, targets, segments);
    }

    private static int[] Targets(Row row)
    {
        int T = row.Ids.Length - 1;
        var targets = new int[T];
        for (int i = 0; i < T; i++)
            targets[i] = row.Segment[i + 1] == row.Segment[i] && row.Loss[i + 1] ? row.Ids[i + 1] : IgnoreIndex;
        return targets;
    }

    private Row RowAt(long index)
    {
        if (_order == WindowOrder.Sequential) return _rows[(int)(index % _rows.Count)];
        long epoch = index / _rows.Count;
        if (epoch != _permutedEpoch) (_permutation, _permutedEpoch) = (Permutation(_rows.Count, _seed ^ (ulong)(epoch + 1) * 0x9E3779B97F4A7C15), epoch);
        return _rows[_permutation[index % _rows.Count]];
    }

    // Fisher–Yates driven by SplitMix64 of a counter (TokenBatches' mixer): the same (count, seed) always gives the same order.
    internal static int[] Permutation(int count, ulong seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)(TokenBatches.SplitMix64(seed ^ TokenBatches.SplitMix64((ulong)i)) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
