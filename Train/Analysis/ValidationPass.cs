// ValidationPass: the validation loss of a DeepSeekMoe model with its routing changed at inference
// (RoutingOverride: the paper's analyses — top experts disabled, fewer experts active), optionally
// tallying every routing decision. The batches are the trainer's validation batches (sequential,
// from the start of the split: Training/Evaluator.cs), and the loss is theirs — the mean over the
// batches of each batch's mean next-token cross-entropy — so with no change it equals the trainer's
// validation loss over the same batches exactly. Runs without a graph, in inference mode (no
// balance loss). Not here: what to sweep (ExpertAnalysis.cs).
using MoeFromScratch.Autograd;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Analysis;

/// <summary>The validation batches an analysis runs, and the kind tag of each token (or none).</summary>
/// <param name="Batches">Sequential (B, T+1) windows of the validation tokens.</param>
/// <param name="Kinds">The *.kinds file beside the tokens (one tag per token), or null.</param>
/// <param name="Count">Batches per pass.</param>
public sealed record ValidationData(TokenBatches Batches, TokenFile? Kinds, int Count)
{
    /// <summary>Tokens whose next token is predicted in one pass: Count·B·T.</summary>
    public long Tokens => (long)Count * Batches.BatchSize * Batches.ContextLength;
}

public static class ValidationPass
{
    /// <summary>Mean validation LM loss under routing; routing decisions added to counts when given.</summary>
    public static double Run(DeepSeekMoe model, ValidationData data, RoutingOverride routing, RoutingCounts? counts = null)
    {
        var batches = data.Batches;
        int B = batches.BatchSize, T = batches.ContextLength;
        batches.Seek(new DataPosition(0));
        double sum = 0;
        using var noGrad = Grad.NoGrad();
        for (int i = 0; i < data.Count; i++)
        {
            using var scope = new TensorScope();
            var kinds = counts is not null && data.Kinds is not null ? KindsOf(data.Kinds, batches.WindowStarts(i), T) : null;
            var (inputs, targets) = Batches.ToTensors(batches.Next(), B, T, model.Backend);     // (B, T) each
            var output = model.Forward(inputs, targets, training: false, routing);
            sum += output.LmLoss!.Item();
            if (counts is null) continue;
            for (int l = 0; l < output.MoeLayers.Count; l++)
            {
                var picked = output.MoeLayers[l].Output.TopIndices;                             // (N, K')
                counts.Add(l, picked.ToArray<int>(), picked.Shape[1], kinds);
            }
        }
        return sum / data.Count;
    }

    // (B·T) the kind of each input token: the same offsets as the token windows.
    private static int[] KindsOf(TokenFile kinds, long[] starts, int T)
    {
        var tags = new int[starts.Length * T];
        for (int b = 0; b < starts.Length; b++) kinds.Read(starts[b], tags.AsSpan(b * T, T));
        return tags;
    }
}
