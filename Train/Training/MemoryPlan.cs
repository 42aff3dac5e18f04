// MemoryPlan: what a run will hold on its device, estimated from the config and the step's sizes
// before anything is built, and the one check that refuses a run that cannot fit — one line: how
// much it needs (by part), how much the device has, what to shrink. Training holds the weights,
// their gradients and AdamW's two moments (4 bytes each per float32 parameter), the activations
// the tape keeps (Bench/ActivationEstimate), the causal mask window (T², sized by --seq, not by
// max_position_embeddings) and the logits' gradient in the backward pass; inference holds the
// weights, one sequence's activations, the mask and, generating, the KV cache (2 · layers · T · C:
// KvCachedDecoder sizes it by the positions a generation holds, the prompt and --max-tokens).
// On a backend with fused attention (IBackend.HasFusedAttention) there are no (T, T) matrices: the
// activations count none, the mask is never built, and no scores tensor has to fit.
// Sizes that no tensor can hold (more than MoeConfig.MaxTensorElements elements: the logits B·T·V,
// the attention scores B·NH·T² when composed) are refused naming the options and fields that multiply to them.
// A lower bound, not a promise: the runtime itself (~100 MB) and fragmentation come on top.
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Bench;
using MoeFromScratch.Train.Devices;

namespace MoeFromScratch.Train.Training;

public sealed record MemoryPlan(string What, string Shrink, IReadOnlyList<(string Part, long Bytes)> Parts)
{
    public long Total => (long)Int128.Min(Parts.Aggregate((Int128)0, (sum, p) => sum + p.Bytes), long.MaxValue);

    /// <summary>
    /// Training B sequences of T tokens (batchOption/seqOption: how the user names B and T; shrink: what
    /// the refusal tells them to do, by default to reduce those options or the config);
    /// fusedAttention: the backend's HasFusedAttention.
    /// </summary>
    public static MemoryPlan ForTraining(MoeConfig c, int batch, int seq, bool fusedAttention, string batchOption = "--batch", string seqOption = "--seq", string? shrink = null)
    {
        CheckTensorSizes(c, batch, seq, fusedAttention, $"{batchOption} {batch} × {seqOption} {seq}", shrink ?? $"reduce {batchOption} or {seqOption}");
        long weights = 4 * ParameterCount.Of(c).Total.Total;
        long N = (long)batch * seq;
        return new("training", shrink ?? $"reduce {batchOption} or {seqOption}, or use a smaller config",
        [
            ("weights", weights), ("gradients", weights), ("AdamW moments", 2 * weights),
            ("activations", Saturated(() => ActivationEstimate.Bytes(c, batch, seq, fusedAttention))),
            ("causal mask", MaskBytes(seq, fusedAttention)), ("logits gradient", 4 * N * c.VocabSize),
        ]);
    }

    /// <summary>Inference of batch sequences (default one) of up to T tokens; with kvCache, the KV caches of a generation
    /// holding T positions (Training/KvCachedDecoder: T per layer, never max_position_embeddings unless T is);
    /// fusedAttention: the backend's HasFusedAttention; valueBytes: bytes per weight and cached value (2 in bf16).</summary>
    public static MemoryPlan ForInference(MoeConfig c, int seq, string seqWhat, bool kvCache, bool fusedAttention, int batch = 1, int valueBytes = 4)
    {
        CheckTensorSizes(c, batch, seq, fusedAttention, seqWhat, "use shorter sequences");
        return new("inference", "use a smaller model or a device with more memory",
        [
            ("weights", valueBytes * ParameterCount.Of(c).Total.Total),
            ("activations", Saturated(() => ActivationEstimate.Bytes(c, batch, seq, fusedAttention))),
            ("causal mask", MaskBytes(seq, fusedAttention)), ("KV cache", kvCache ? 2L * valueBytes * batch * c.NumHiddenLayers * seq * c.HiddenSize : 0),
        ]);
    }

    /// <summary>Throws a UsageException when the plan needs more than backend has available.</summary>
    public void Check(IBackend backend)
    {
        if (DeviceMemory.Available(backend) is not var (have, source) || Total <= have) return;
        string parts = string.Join(", ", Parts.Where(p => p.Bytes > 0).Select(p => $"{p.Part} {Size(p.Bytes)}"));
        throw new UsageException($"{What} needs at least {Size(Total)} on {backend.Name} ({parts}) but {Size(have)} is free ({source}); {Shrink}");
    }

    // The mask's window grows by doubling (up to twice T²); a plain causal forward with fused attention never builds it.
    private static long MaskBytes(int seq, bool fusedAttention) => fusedAttention ? 0 : 2 * 4L * seq * seq;

    private static long Saturated(Func<long> bytes)
    {
        try { return bytes(); }
        catch (OverflowException) { return long.MaxValue; }
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F1} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes / 1024.0:F1} KiB",
    };

    // The step's largest tensors must each fit in one tensor.
    private static void CheckTensorSizes(MoeConfig c, int batch, int seq, bool fusedAttention, string sizes, string shrink)
    {
        void Limit(Int128 elements, string product)
        {
            if (elements > MoeConfig.MaxTensorElements)
                throw new UsageException($"{sizes}: {product} = {elements:N0} elements, more than a tensor holds ({MoeConfig.MaxTensorElements:N0}); {shrink}");
        }
        Limit((Int128)batch * seq * c.VocabSize, $"the logits, tokens × vocab_size {c.VocabSize}");
        if (!fusedAttention) Limit((Int128)batch * seq * c.NumAttentionHeads * seq, $"the attention scores, tokens × num_attention_heads {c.NumAttentionHeads} × T");
        Limit((Int128)batch * seq * Math.Max(c.HiddenSize, Math.Max(c.IntermediateSize, c.SharedIntermediateSize)) * Math.Max(1, c.NumExpertsPerTok),
            "the widest activation, tokens × the widest layer × num_experts_per_tok");
    }
}
