// Reference cross-entropy over logits (N, V) with int32 targets (N): the per-row loss and its
// gradient. Rows whose target equals ignoreIndex (padding) contribute 0 to both; any other target
// outside 0..V-1 is an error naming the op.
namespace MoeFromScratch.Tensors.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>losses[n] = log Σ_v exp(logits[n, v]) − logits[n, target[n]], computed as max + log Σ exp(x − max).</summary>
    public void CrossEntropyForward(Tensor logits, Tensor targets, int ignoreIndex, Tensor losses)
    {
        int N = logits.Shape[0], V = logits.Shape[1];
        for (int n = 0; n < N; n++)
        {
            int target = (int)Get(targets, [n]);
            if (target == ignoreIndex) { Set(losses, [n], 0); continue; }
            IndexRange.Check("CrossEntropyForward", target, 1, V);
            var (max, s) = MaxAndSumExp(logits, [n], V);
            Set(losses, [n], max + Math.Log(s) - Get(logits, [n, target]));
        }
    }

    /// <summary>dlogits[n, v] = (softmax(logits[n])[v] − [v == target[n]]) · dlosses[n]; 0 on ignored rows.</summary>
    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor dlosses, Tensor dlogits)
    {
        int N = logits.Shape[0], V = logits.Shape[1];
        for (int n = 0; n < N; n++)
        {
            int target = (int)Get(targets, [n]);
            bool ignored = target == ignoreIndex;
            if (!ignored) IndexRange.Check("CrossEntropyBackward", target, 1, V);
            var (max, s) = MaxAndSumExp(logits, [n], V);
            for (int v = 0; v < V; v++)
            {
                double p = Math.Exp(Get(logits, [n, v]) - max) / s;
                double onehot = v == target ? 1 : 0;
                Set(dlogits, [n, v], ignored ? 0 : (p - onehot) * Get(dlosses, [n]));
            }
        }
    }
}
