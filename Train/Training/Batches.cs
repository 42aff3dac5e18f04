// From the data pipeline's (B, T+1) rows of token ids to the model's two (B, T) int32 tensors:
// inputs tokens[0..T) and targets tokens[1..T] of each row (next-token prediction).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

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
