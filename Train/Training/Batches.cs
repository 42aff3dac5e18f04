// From the data pipeline's (B, T+1) rows of token ids to the model's two (B, T) int32 tensors:
// inputs tokens[0..T) and targets tokens[1..T] of each row (next-token prediction); and the
// stream of batches the trainer reads, whether plain windows (TokenBatches) or packed
// fine-tuning examples (Sft/PackedBatches: targets -100 where no loss is taken, segment ids).
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Training;

/// <summary>One step's data: inputs and targets (B, T) int32 on the device (target -100 = no loss);
/// Segments (B·T, host) when a row packs several examples that must not attend to each other.</summary>
public sealed record TrainingBatch(Tensor Inputs, Tensor Targets, int[]? Segments = null);

/// <summary>What the trainer draws batches from; the position is all a checkpoint needs to resume it.</summary>
public interface IBatchStream
{
    int BatchSize { get; }       // B
    int ContextLength { get; }   // T
    DataPosition Position { get; }
    void Seek(DataPosition position);

    /// <summary>The next batch on <paramref name="backend"/>; advances the position.</summary>
    TrainingBatch NextBatch(IBackend backend);
}

public static class Batches
{
    public static (Tensor Inputs, Tensor Targets) ToTensors(int[] rows, int batchSize, int sequenceLength, IBackend backend)
    {
        int b = batchSize, t = sequenceLength;
        if (rows.Length != b * (t + 1))
            throw new ArgumentException($"batch: {rows.Length} ids do not make (B, T+1) = ({b}, {t + 1})");
        var inputs = new int[b * t];
        var targets = new int[b * t];
        for (int row = 0; row < b; row++)
        {
            rows.AsSpan(row * (t + 1), t).CopyTo(inputs.AsSpan(row * t));
            rows.AsSpan(row * (t + 1) + 1, t).CopyTo(targets.AsSpan(row * t));
        }
        return (Tensor.FromArray(inputs, [b, t], backend), Tensor.FromArray(targets, [b, t], backend));  // (B, T) each
    }
}
